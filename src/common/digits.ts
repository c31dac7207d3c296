// Whole numbers with thousands separators, as en-US writes them ("12,345"), without Intl. The
// first Intl number formatter a process builds (toLocaleString included) maps about 6 MB of
// ICU's locale data into its memory, and it stays resident for the life of the process: a replica
// paid that for good on the first dealer page it rendered, for a comma.

/** `n` rounded half away from zero, as Intl rounds, with a comma every three digits. */
export function groupDigits(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const whole = Math.round(Math.abs(n));
  const digits = String(whole).replace(/\B(?=(\d{3})+$)/g, ',');
  return n < 0 && whole !== 0 ? `-${digits}` : digits;
}
