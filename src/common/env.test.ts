import { describe, expect, it } from 'vitest';
import { ConfigError, describeRule, envBool, envInt, envNumber, envString, optionalEnvNumber } from './env.js';

describe('envInt', () => {
  it('takes the default when the variable is unset or blank, and trims the value', () => {
    expect(envInt({}, 'X_MS', 500, 10, 1000)).toBe(500);
    expect(envInt({ X_MS: '   ' }, 'X_MS', 500, 10, 1000)).toBe(500);
    expect(envInt({ X_MS: ' 42 ' }, 'X_MS', 500, 10, 1000)).toBe(42);
  });

  it('accepts both bounds and refuses one past them, naming the variable, the rule and the value', () => {
    expect(envInt({ X_MS: '10' }, 'X_MS', 500, 10, 1000)).toBe(10);
    expect(envInt({ X_MS: '1000' }, 'X_MS', 500, 10, 1000)).toBe(1000);
    expect(() => envInt({ X_MS: '9' }, 'X_MS', 500, 10, 1000)).toThrow('X_MS must be an integer 10–1000, got "9"');
    expect(() => envInt({ X_MS: '1001' }, 'X_MS', 500, 10, 1000)).toThrow('X_MS must be an integer 10–1000, got "1001"');
  });

  it('refuses fractions, words and units instead of reading them as a number', () => {
    for (const bad of ['1.5', 'soon', '5s', 'NaN', 'Infinity', '1e400']) {
      expect(() => envInt({ N: bad }, 'N', 1, 0, 10 ** 9), bad).toThrow(ConfigError);
    }
  });

  it('states the unit when one is given', () => {
    expect(() => envInt({ W: '5' }, 'W', 1000, 1000, 3_600_000, 'milliseconds')).toThrow(
      'W must be an integer 1000–3600000 (milliseconds), got "5"',
    );
  });
});

describe('optionalEnvNumber and envNumber', () => {
  it('is undefined when unset, so a caller can fall through to its own default', () => {
    expect(optionalEnvNumber({}, 'A')).toBeUndefined();
    expect(optionalEnvNumber({ A: '' }, 'A', { integer: true, min: 1 })).toBeUndefined();
  });

  it('applies exclusive bounds exactly at the edge', () => {
    const rule = { above: 0, below: 0.5 };
    expect(envNumber({ ALPHA: '0.01' }, 'ALPHA', 0.05, rule)).toBe(0.01);
    expect(() => envNumber({ ALPHA: '0' }, 'ALPHA', 0.05, rule)).toThrow('ALPHA must be a number between 0 and 0.5, got "0"');
    expect(() => envNumber({ ALPHA: '0.5' }, 'ALPHA', 0.05, rule)).toThrow(/ALPHA must be a number between 0 and 0.5/);
    expect(envNumber({ E: '0.5' }, 'E', 0.8, { min: 0.5, below: 1 })).toBe(0.5);
    expect(() => envNumber({ E: '1' }, 'E', 0.8, { min: 0.5, below: 1 })).toThrow('E must be a number 0.5–1, got "1"');
  });

  it('words the common rules the way the settings have always stated them', () => {
    expect(describeRule({ integer: true, min: 1, unit: 'milliseconds' })).toBe('a positive integer (milliseconds)');
    expect(describeRule({ above: 0 })).toBe('a positive number');
    expect(describeRule({ integer: true, min: 10 })).toBe('an integer ≥ 10');
    expect(describeRule({ integer: true, min: 1, max: 5 })).toBe('an integer 1–5');
    expect(describeRule({ max: 3 })).toBe('a number ≤ 3');
    expect(describeRule({})).toBe('a number');
  });

  it('throws a ConfigError whose message carries the trimmed value', () => {
    try {
      optionalEnvNumber({ T: '  -3 ' }, 'T', { above: 0 });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toBe('T must be a positive number, got "-3"');
    }
  });
});

describe('envBool', () => {
  it('reads true and false in any case and defaults when unset', () => {
    expect(envBool({}, 'B', true)).toBe(true);
    expect(envBool({ B: 'TRUE' }, 'B', false)).toBe(true);
    expect(envBool({ B: ' false ' }, 'B', true)).toBe(false);
  });

  it('refuses anything else rather than reading a typo as false', () => {
    expect(() => envBool({ B: 'yes' }, 'B', false)).toThrow('B must be true or false, got "yes"');
    expect(() => envBool({ B: 'ture' }, 'B', false)).toThrow(ConfigError);
  });

  it('in loose mode also takes 1/0, yes/no and on/off, but still refuses other words', () => {
    for (const w of ['1', 'yes', 'ON', 'true']) expect(envBool({ B: w }, 'B', false, { loose: true }), w).toBe(true);
    for (const w of ['0', 'no', 'off', 'False']) expect(envBool({ B: w }, 'B', true, { loose: true }), w).toBe(false);
    expect(() => envBool({ B: 'maybe' }, 'B', false, { loose: true })).toThrow(
      /B must be true or false \(or 1\/0, yes\/no, on\/off\), got "maybe"/,
    );
  });
});

describe('envString', () => {
  it('trims and treats blank as unset', () => {
    expect(envString({ S: '  a b ' }, 'S')).toBe('a b');
    expect(envString({ S: ' ' }, 'S')).toBeUndefined();
    expect(envString({}, 'S')).toBeUndefined();
  });
});
