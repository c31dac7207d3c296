// The one reader of numeric and boolean environment variables. Every capability's settings go
// through it so a bad value always stops the start the same way: a ConfigError naming the
// variable, what it must be, and the value it got. An unset or blank variable takes the default.

export type Env = Readonly<Record<string, string | undefined>>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface NumberRule {
  /** Whole numbers only (most settings are counts, bytes or milliseconds). */
  integer?: boolean;
  /** Inclusive bounds. */
  min?: number;
  max?: number;
  /** Exclusive bounds, for ratios such as a significance level (0, 0.5). */
  above?: number;
  below?: number;
  /** Shown after the rule in the message, e.g. `milliseconds`. */
  unit?: string;
}

/** The rule in words, as the error message states it: "an integer 10–600000 (milliseconds)". */
export function describeRule(rule: NumberRule): string {
  const noun = rule.integer ? 'an integer' : 'a number';
  const { min, max, above, below } = rule;
  const upper = max ?? below;
  let text: string;
  if (above !== undefined && upper !== undefined) text = `${noun} between ${above} and ${upper}`;
  else if (min !== undefined && upper !== undefined) text = `${noun} ${min}–${upper}`;
  else if ((rule.integer && min === 1) || (above === 0 && min === undefined)) text = `a positive ${rule.integer ? 'integer' : 'number'}`;
  else if (min !== undefined) text = `${noun} ≥ ${min}`;
  else if (above !== undefined) text = `${noun} > ${above}`;
  else if (upper !== undefined) text = `${noun} ${below !== undefined ? '<' : '≤'} ${upper}`;
  else text = noun;
  return rule.unit ? `${text} (${rule.unit})` : text;
}

function fits(n: number, rule: NumberRule): boolean {
  if (!Number.isFinite(n)) return false;
  if (rule.integer && !Number.isInteger(n)) return false;
  if (rule.min !== undefined && n < rule.min) return false;
  if (rule.max !== undefined && n > rule.max) return false;
  if (rule.above !== undefined && n <= rule.above) return false;
  if (rule.below !== undefined && n >= rule.below) return false;
  return true;
}

/** The trimmed value, or undefined when unset or blank. */
export function envString(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw ? raw : undefined;
}

/** The number in `name`, or undefined when unset; throws ConfigError when it breaks `rule`. */
export function optionalEnvNumber(env: Env, name: string, rule: NumberRule = {}): number | undefined {
  const raw = envString(env, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!fits(n, rule)) throw new ConfigError(`${name} must be ${describeRule(rule)}, got "${raw}"`);
  return n;
}

export function envNumber(env: Env, name: string, fallback: number, rule: NumberRule = {}): number {
  return optionalEnvNumber(env, name, rule) ?? fallback;
}

/** Shorthand for the most common case: an integer within inclusive bounds. */
export function envInt(env: Env, name: string, fallback: number, min: number, max: number, unit?: string): number {
  return envNumber(env, name, fallback, { integer: true, min, max, ...(unit ? { unit } : {}) });
}

const TRUE = new Set(['true']);
const FALSE = new Set(['false']);
const LOOSE_TRUE = new Set(['true', '1', 'yes', 'on']);
const LOOSE_FALSE = new Set(['false', '0', 'no', 'off']);

/**
 * `true` or `false` (any case). `loose` also takes 1/0, yes/no and on/off, for switches that
 * have always accepted them; anything else is refused rather than read as false.
 */
export function envBool(env: Env, name: string, fallback: boolean, opts: { loose?: boolean } = {}): boolean {
  const raw = envString(env, name);
  if (raw === undefined) return fallback;
  const word = raw.toLowerCase();
  if ((opts.loose ? LOOSE_TRUE : TRUE).has(word)) return true;
  if ((opts.loose ? LOOSE_FALSE : FALSE).has(word)) return false;
  throw new ConfigError(`${name} must be ${opts.loose ? 'true or false (or 1/0, yes/no, on/off)' : 'true or false'}, got "${raw}"`);
}
