// The dealer page's stylesheet, shipped inside the build so a dist-only image serves it too.
import { createHash } from 'node:crypto';

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
nav.pages { margin: 12px 0; display: flex; gap: 16px; }
header { display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: center; justify-content: space-between; }
header a { color: #fff; }
header nav { display: flex; flex-wrap: wrap; gap: 12px; align-items: center; }
.brand { font-weight: 700; text-decoration: none; }
/* Tap targets of at least 24 px square, as WCAG 2.2 asks of small links. */
a.ext { display: inline-block; min-width: 24px; min-height: 24px; text-align: center; }
input[type="checkbox"] { width: 24px; height: 24px; margin: 0; }
h1 { font-size: 20px; margin: 4px 0 12px; }
h2 { font-size: 16px; margin: 16px 0 6px; }
a { color: #0b4f8a; }
button { font: inherit; padding: 6px 12px; min-height: 32px; }
input, select { font: inherit; padding: 4px 6px; max-width: 100%; box-sizing: border-box; }
form.inline { display: inline; }
form.stack { display: flex; flex-direction: column; gap: 8px; max-width: 420px; }
form.stack label { display: flex; flex-direction: column; }
fieldset label.row { flex-direction: row; gap: 6px; }
.summary { margin: 6px 0; }
.scroll { overflow-x: auto; max-width: 100%; }
.big { font-size: 24px; font-weight: 700; margin: 0; }
table.kv { width: auto; }
caption { text-align: left; padding: 4px 0; }
summary { cursor: pointer; padding: 6px 0; min-height: 24px; }
/* Sections of the opportunity page below the first screen are laid out only when scrolled near. */
main > section { content-visibility: auto; contain-intrinsic-size: auto 240px; }
ul.cards { list-style: none; padding: 0; }
ul.cards li { background: #fff; border: 1px solid #e2e8f0; padding: 8px 10px; margin-bottom: 8px; overflow-wrap: anywhere; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
code { overflow-wrap: anywhere; }
/* Phones: each opportunity becomes a card, so nothing scrolls sideways. */
@media (max-width: 760px) {
  main { padding: 10px; }
  table.list thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  table.list, table.list tbody, table.list tr, table.list td { display: block; width: auto; }
  table.list tr { background: #fff; border: 1px solid #e2e8f0; margin-bottom: 8px; padding: 6px 8px; }
  /* Cards below the fold are laid out only when scrolled near: fifty cards cost a phone's CPU a long task otherwise. */
  table.list tr { content-visibility: auto; contain-intrinsic-size: auto 120px; }
  table.list td { border: 0; padding: 2px 0; white-space: normal; text-align: left; }
  table.list td.num { display: inline-block; margin-right: 12px; }
  table.list td[data-label]::before { content: attr(data-label) " "; color: #4a5568; font-size: 12px; }
  form.filters label { flex: 1 1 40%; }
  main { overflow-wrap: anywhere; }
  table.kv { width: 100%; }
  table.kv th, table.kv td { white-space: normal; }
  .scroll table th, .scroll table td { padding: 4px 5px; }
  /* A comparable sale is a short labelled block on a phone: no sideways scroll, no table layout. */
  table.comps thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  table.comps, table.comps caption, table.comps tbody, table.comps tr, table.comps td { display: block; }
  table.comps tr { padding: 4px 0; border-bottom: 1px solid #e2e8f0; }
  table.comps td { border: 0; padding: 0; white-space: normal; text-align: left; }
  table.comps td.num { display: inline-block; margin-right: 10px; }
  table.comps td[data-label]::before { content: attr(data-label) " "; color: #4a5568; font-size: 12px; }
}
`;

// Pages carry the stylesheet inline: on a phone's connection a linked one costs a render-blocking
// round trip before anything paints. The site-wide policy allows styles from this origin only, so
// dealer pages widen it by exactly this stylesheet's hash, and nothing else inline may style them.
export const DEALER_CSS_HASH = `'sha256-${createHash('sha256').update(DEALER_CSS).digest('base64')}'`;

/** The site-wide Content-Security-Policy with this stylesheet's hash added to style-src. */
export function dealerCsp(sitePolicy: string): string {
  return sitePolicy.replace(
    /(^|;\s*)style-src ([^;]*)/,
    (_m, lead: string, sources: string) => `${lead}style-src ${sources} ${DEALER_CSS_HASH}`,
  );
}

/** Widens the policy the security headers already put on this reply (if any) to the stylesheet. */
export function allowDealerCss<R extends { getHeader(name: string): unknown; header(name: string, value: string): R }>(reply: R): R {
  const policy = reply.getHeader('content-security-policy');
  return typeof policy === 'string' ? reply.header('content-security-policy', dealerCsp(policy)) : reply;
}
