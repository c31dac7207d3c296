// The dealer page's stylesheet, shipped inside the build so a dist-only image serves it too.
export const DEALER_CSS = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1d2330; background: #f6f7f9; }
header { background: #17324d; color: #fff; padding: 10px 16px; }
main { padding: 12px 16px; }
.notice { background: #fdecea; border: 1px solid #d92d20; color: #7a271a; padding: 8px 10px; margin-bottom: 10px; font-weight: 600; }
.notice.resolved { background: #e8f5ec; border-color: #1f7a3a; color: #14532d; }
.sample { background: #fff4d6; border: 1px solid #e6c36a; padding: 6px 10px; margin-bottom: 10px; }
form.filters { display: flex; flex-wrap: wrap; gap: 8px; align-items: end; margin-bottom: 12px; }
form.filters label { display: flex; flex-direction: column; font-size: 12px; color: #4a5568; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { padding: 5px 8px; border-bottom: 1px solid #e2e8f0; text-align: left; white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.status-hot { color: #b42318; font-weight: 600; }
.status-good { color: #1f7a3a; font-weight: 600; }
.loss { color: #b42318; }
.flag { color: #b54708; }
nav.pages { margin: 12px 0; }
`;
