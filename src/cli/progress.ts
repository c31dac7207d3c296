// Progress lines for long-running commands, on stderr so stdout stays machine-readable.

export interface ProgressOptions {
  stream?: Pick<NodeJS.WriteStream, 'write' | 'isTTY'>;
  /** How a count is shown (plain numbers by default; `megabytes` for bytes of a file). */
  unit?: (n: number) => string;
  /** Milliseconds now, for the redraw throttle. */
  now?: () => number;
}

export function progressReporter(label: string, opts: ProgressOptions = {}) {
  const stream = opts.stream ?? process.stderr;
  const unit = opts.unit ?? String;
  const now = opts.now ?? Date.now;
  let lastPct = -1;
  let lastAt = -Infinity;
  // Logs get a line per tenth crossed: steps of uneven size (bytes per batch) rarely land on one.
  let lastTenth = -1;
  return (done: number, total: number) => {
    const pct = total === 0 ? 100 : Math.floor((done / total) * 100);
    const at = now();
    if (pct === lastPct || (pct < 100 && at - lastAt < 250)) return;
    lastPct = pct;
    lastAt = at;
    if (stream.isTTY) stream.write(`\r${label}: ${unit(done)}/${unit(total)} (${pct}%)${pct === 100 ? '\n' : ''}`);
    else if (Math.floor(pct / 10) > lastTenth) {
      lastTenth = Math.floor(pct / 10);
      stream.write(`${label}: ${unit(done)}/${unit(total)} (${pct}%)\n`);
    }
  };
}

/** Bytes as megabytes with one decimal, for progress through a file. */
export const megabytes = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MB`;
