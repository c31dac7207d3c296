// Service configuration from the environment (docs/commands.md lists every variable). Bad values fail fast with a message
// naming the variable, so a misconfigured replica never starts half-working.
import { randomBytes } from 'node:crypto';
import { ConfigError, envInt } from '../common/env.js';

export { ConfigError };

export type Environment = 'development' | 'staging' | 'production';

export interface ServiceConfig {
  env: Environment;
  port: number;
  host: string;
  databaseUrl: string;
  redisUrl: string | null;
  adminToken: string;
  /** True when the admin token was generated for this development run. */
  adminTokenGenerated: boolean;
  trustProxy: string | null;
  chromiumPath: string;
  /** Secret for signing cursors; when absent a per-database secret is kept in `settings`. */
  cursorSecret: string | null;
  logLevel: string;
  sentryDsn: string | null;
  /** Raw environment, for the flag layer's FF_<NAME> variables. */
  raw: NodeJS.ProcessEnv;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const envName = (env.DEALERSCOPE_ENV ?? 'development').trim();
  if (envName !== 'development' && envName !== 'staging' && envName !== 'production') {
    throw new ConfigError(`DEALERSCOPE_ENV must be development, staging or production, got "${envName}"`);
  }
  let adminToken = env.ADMIN_TOKEN?.trim() ?? '';
  let adminTokenGenerated = false;
  if (!adminToken) {
    if (envName !== 'development') throw new ConfigError(`ADMIN_TOKEN is required when DEALERSCOPE_ENV=${envName}`);
    adminToken = randomBytes(24).toString('base64url');
    adminTokenGenerated = true;
  } else if (adminToken.length < 16) {
    throw new ConfigError('ADMIN_TOKEN must be at least 16 characters');
  }
  return {
    env: envName,
    port: envInt(env, 'PORT', 8080, 0, 65535),
    host: env.HOST?.trim() || '0.0.0.0',
    databaseUrl: env.DATABASE_URL?.trim() || 'sqlite:./data/dealerscope.db',
    redisUrl: env.REDIS_URL?.trim() || null,
    adminToken,
    adminTokenGenerated,
    trustProxy: env.TRUST_PROXY?.trim() || null,
    chromiumPath: env.CHROMIUM_PATH?.trim() || '/usr/bin/chromium',
    cursorSecret: env.CURSOR_SECRET?.trim() || null,
    logLevel: env.LOG_LEVEL?.trim() || (envName === 'production' ? 'info' : 'warn'),
    sentryDsn: env.SENTRY_DSN?.trim() || null,
    raw: env,
  };
}
