// Median / MAD statistics: a handful of wild values cannot drag them the way they drag a mean and
// standard deviation, so the outliers stand out instead of hiding the rest (Iglewicz & Hoaglin).

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export interface RobustCenter {
  median: number;
  /** Median absolute deviation from the median. */
  mad: number;
  n: number;
}

export function robustCenter(values: readonly number[]): RobustCenter {
  const m = median(values);
  return { median: m, mad: median(values.map((v) => Math.abs(v - m))), n: values.length };
}

/** Modified z-score 0.6745·(x − median)/MAD; null when MAD is 0 (no spread to compare with). */
export function modifiedZ(x: number, c: RobustCenter): number | null {
  if (!(c.mad > 0)) return null;
  return (0.6745 * (x - c.median)) / c.mad;
}
