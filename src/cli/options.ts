// Option parsers shared by the commands: a bad value stops the command before it does anything,
// with commander's message naming the option and the value ("option '-n, --limit <n>' argument
// 'abc' is invalid. must be a whole number 1–500").
import { InvalidArgumentError } from 'commander';

/** A whole number from `min` to `max`. */
export function intBetween(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\s*-?\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`must be a whole number ${min}–${max}`);
    return n;
  };
}
