// The console's stylesheet and its one browser script, served as files (never inline) so the
// page works under a Content-Security-Policy of script-src 'self'. Kept as strings so the
// compiled package carries them without a copy step.

export const CONSOLE_CSS = `
:root { font-family: system-ui, sans-serif; color: #1d2330; background: #f3f5f8; }
body { margin: 0; }
.top { background: #1d2330; color: #fff; padding: 10px 20px; display: flex; justify-content: space-between; align-items: center; }
.top form.signout { margin: 0; }
main { padding: 16px 20px; display: grid; gap: 16px; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); }
section { background: #fff; border-radius: 6px; padding: 12px 16px; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
section.wide { grid-column: 1 / -1; }
h2 { font-size: 1rem; margin: 0 0 10px; }
.tiles { display: grid; grid-template-columns: repeat(4, 1fr); gap: 10px; }
.tile { border-radius: 6px; padding: 10px; border-left: 6px solid #9aa3b2; background: #f7f8fa; }
.tile.ok { border-left-color: #1f9d55; }
.tile.breach { border-left-color: #d64545; background: #fdeeee; }
.tile .value { font-size: 1.6rem; font-weight: 600; }
.tile .meta { font-size: .8rem; color: #5b6475; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
td, th { text-align: left; padding: 4px 6px; border-bottom: 1px solid #eceef2; vertical-align: top; }
.src { color: #5b6475; font-size: .8rem; }
.on { color: #1f9d55; font-weight: 600; }
.off { color: #9aa3b2; }
ul.alerts { list-style: none; padding: 0; margin: 0; max-height: 320px; overflow: auto; }
ul.alerts li { padding: 6px 8px; border-left: 4px solid #9aa3b2; margin-bottom: 4px; background: #f7f8fa; font-size: .9rem; }
ul.alerts li.critical { border-left-color: #d64545; }
ul.alerts li.warning { border-left-color: #e0a100; }
ul.alerts li.info { border-left-color: #3b82c4; }
.flash { grid-column: 1 / -1; padding: 8px 12px; border-radius: 6px; background: #e7f5ec; }
.flash.error { background: #fdeeee; }
.muted { color: #5b6475; }
form.inline { display: inline; }
button { cursor: pointer; }
#stream-state { font-size: .8rem; }
.fail { color: #d64545; }
tr.fail td { background: #fdf6f6; }
.trigger-pending { color: #e0a100; font-weight: 600; }
.trigger-fired, .trigger-latched { color: #d64545; font-weight: 600; }
h3 { font-size: .9rem; margin: 12px 0 6px; }
details summary { cursor: pointer; color: #3b82c4; }
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
