// Progress lines for long-running commands, on stderr so stdout stays machine-readable.
export function progressReporter(label: string, stream: NodeJS.WriteStream = process.stderr) {
  let lastPct = -1;
  let lastAt = 0;
  return (done: number, total: number) => {
    const pct = total === 0 ? 100 : Math.floor((done / total) * 100);
    const now = Date.now();
    if (pct === lastPct || (pct < 100 && now - lastAt < 250)) return;
    lastPct = pct;
    lastAt = now;
    if (stream.isTTY) stream.write(`\r${label}: ${done}/${total} (${pct}%)${pct === 100 ? '\n' : ''}`);
    else if (pct === 100 || pct % 10 === 0) stream.write(`${label}: ${done}/${total} (${pct}%)\n`);
  };
}
