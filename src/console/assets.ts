// The console's stylesheet and its one browser script, served as files (never inline) so the
// page works under a Content-Security-Policy of script-src 'self'. Kept as strings so the
// compiled package carries them without a copy step.

export const CONSOLE_CSS = `
/* Colours hold WCAG AA (4.5:1) for text on every background they meet: white, #f7f8fa, #fdeeee. */
:root { font-family: system-ui, sans-serif; color: #1d2330; background: #f3f5f8; }
*, *::before, *::after { box-sizing: border-box; }
body { margin: 0; overflow-wrap: anywhere; }
a { color: #1a5a9e; }
.top { background: #1d2330; color: #fff; padding: 10px 20px; display: flex; flex-wrap: wrap; gap: 8px 16px; justify-content: space-between; align-items: center; }
.top a { color: #cfe1ff; }
.top form.signout { margin: 0; }
main { padding: 16px 20px; display: grid; gap: 16px; grid-template-columns: repeat(auto-fit, minmax(min(420px, 100%), 1fr)); }
main > * { min-width: 0; }
main > h1, main > h2, main > p, main > ol, main > ul { grid-column: 1 / -1; margin: 0; }
section { background: #fff; border-radius: 6px; padding: 12px 16px; box-shadow: 0 1px 2px rgba(0,0,0,.08); min-width: 0; }
section.wide { grid-column: 1 / -1; }
h1 { font-size: 1.25rem; }
h2 { font-size: 1rem; margin: 0 0 10px; }
.tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 10px; }
.tile { border-radius: 6px; padding: 10px; border-left: 6px solid #6b7386; background: #f7f8fa; }
.tile.ok { border-left-color: #1f9d55; }
.tile.breach { border-left-color: #d64545; background: #fdeeee; }
.tile .value { font-size: 1.6rem; font-weight: 600; }
.tile .meta { font-size: .8rem; color: #4f5868; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
td, th { text-align: left; padding: 4px 6px; border-bottom: 1px solid #eceef2; vertical-align: top; overflow-wrap: break-word; }
/* Words in a table cell stay whole (a column is as wide as its longest word); identifiers may break. */
td code { overflow-wrap: anywhere; }
caption { text-align: left; font-weight: 600; padding: 4px 0; }
/* Wide tables scroll inside their own box; the page itself never scrolls sideways. */
.scroll { overflow-x: auto; max-width: 100%; overflow-wrap: break-word; }
.scroll th { white-space: nowrap; }
.scroll > table { min-width: 36rem; }
.scroll:focus-visible { outline: 2px solid #1a5a9e; outline-offset: 2px; }
.src { color: #4f5868; font-size: .8rem; }
.on { color: #146c3c; font-weight: 600; }
.off { color: #4f5868; }
/* The feed scrolls in its own focusable box, so a keyboard reaches the older alerts too. */
.alerts-box { max-height: 320px; overflow: auto; }
.alerts-box:focus-visible { outline: 2px solid #1a5a9e; outline-offset: 2px; }
ul.alerts { list-style: none; padding: 0; margin: 0; }
ul.alerts li { padding: 6px 8px; border-left: 4px solid #6b7386; margin-bottom: 4px; background: #f7f8fa; font-size: .9rem; }
ul.alerts li.critical { border-left-color: #d64545; }
ul.alerts li.warning { border-left-color: #e0a100; }
ul.alerts li.info { border-left-color: #3b82c4; }
.flash { grid-column: 1 / -1; padding: 8px 12px; border-radius: 6px; background: #e7f5ec; color: #1d2330; }
.flash.error { background: #fdeeee; color: #8f1d1d; }
.muted { color: #4f5868; }
.top .muted { color: #d5dae3; }
form.inline { display: inline; }
form.rollout-advance, form.rollout-rollback { margin: 8px 0; }
input, select, button { font: inherit; max-width: 100%; }
button { cursor: pointer; }
button.danger { background: #a61b1b; color: #fff; border: 1px solid #7d1414; border-radius: 4px; padding: 4px 10px; }
#stream-state { font-size: .8rem; }
.fail { color: #b42318; }
tr.fail td { background: #fdf6f6; }
.trigger-pending { color: #7a4f00; font-weight: 600; }
.trigger-fired, .trigger-latched { color: #b42318; font-weight: 600; }
h3 { font-size: .9rem; margin: 12px 0 6px; }
details summary { cursor: pointer; color: #1a5a9e; }
.confirm-page .about { font-size: 1.1rem; font-weight: 600; }
.confirm-page label { display: block; margin-bottom: 4px; }
.confirm-page input[type="text"] { width: min(36rem, 100%); padding: 4px 6px; }
.confirm-page [aria-invalid="true"] { border: 2px solid #b42318; }
code.phrase { background: #f3f5f8; padding: 1px 4px; border-radius: 3px; font-weight: 600; }
/* On a phone the flag table's three columns stack: name and value above, the forms below. */
@media (max-width: 640px) {
  main { padding: 12px 8px; }
  section { padding: 10px; }
  table.flags thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); }
  table.flags tr { display: block; border-bottom: 1px solid #eceef2; padding: 6px 0; }
  table.flags td { display: block; border: 0; padding: 2px 0; }
  form.inline { display: block; margin: 4px 0; }
}
`;

export const CONSOLE_JS = `
'use strict';
(function () {
  var list = document.getElementById('alerts');
  var state = document.getElementById('stream-state');
  if (!list || typeof EventSource === 'undefined') return;
  var source = new EventSource('/console/events');
  function setState(text) { if (state) state.textContent = text; }
  source.addEventListener('open', function () { setState('live'); });
  source.addEventListener('error', function () { setState('reconnecting…'); });
  source.addEventListener('alert', function (ev) {
    var a = JSON.parse(ev.data);
    var empty = document.getElementById('alerts-empty');
    if (empty) empty.remove();
    var li = document.createElement('li');
    li.className = a.severity;
    li.dataset.alertId = a.id;
    var when = document.createElement('span');
    when.className = 'src';
    when.textContent = new Date(a.at).toISOString().replace('T', ' ').replace(/\\.\\d+Z$/, 'Z') + ' · ' + a.severity + ' · #' + a.channel + ' · ' + a.source;
    var title = document.createElement('div');
    title.className = 'alert-title';
    title.textContent = (a.resolved ? 'RESOLVED: ' : '') + a.title;
    li.appendChild(when);
    li.appendChild(title);
    if (a.detail) {
      var d = document.createElement('div');
      d.className = 'src';
      d.textContent = a.detail;
      li.appendChild(d);
    }
    list.insertBefore(li, list.firstChild);
  });
  source.addEventListener('phase', function (ev) {
    var p = JSON.parse(ev.data);
    var el = document.getElementById('rollout-phase');
    if (el) el.textContent = p.phase === null ? 'not phased (built-in defaults)' : String(p.phase) + (p.emergency ? ' (EMERGENCY ROLLBACK)' : '');
  });
  source.addEventListener('tiles', function (ev) {
    var tiles = JSON.parse(ev.data);
    tiles.forEach(function (t) {
      var el = document.querySelector('.tile[data-key="' + t.key + '"]');
      if (!el) return;
      el.className = 'tile ' + t.status;
      var v = el.querySelector('.value');
      if (v) v.textContent = t.display;
      var m = el.querySelector('.detail');
      if (m) m.textContent = t.detail;
    });
  });
})();
`;
