// The config capability's public module: the service's core environment, read and checked once,
// and the arbitrage parameters (config/arbitrage.json) every price is computed with.
export {
  ARBITRAGE_PARAMS_VALIDATOR,
  ArbitrageParamsSchema,
  defaultArbitrageParams,
  loadArbitrageParams,
  type ArbitrageParams,
  type PremiumRule,
} from './arbitrage.js';
export { loadConfig, type Environment, type ServiceConfig } from './env.js';
