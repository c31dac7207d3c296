// Minimal server-side HTML: every interpolated value goes through esc(), pages link their CSS and
// script files (no inline script, so a strict Content-Security-Policy holds).
import { esc } from '../common/html.js';

export { esc };

/** A signed-in page shows the sign-out control; it posts the session's CSRF token like every form. */
function signOut(csrf: string | undefined): string {
  if (!csrf) return '';
  return `<form class="signout" method="post" action="/console/logout"><input type="hidden" name="_csrf" value="${esc(csrf)}"><button type="submit">Sign out</button></form>`;
}

export function layout(title: string, body: string, opts: { script?: boolean; signOutCsrf?: string } = {}): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<!-- Same-origin referrers keep the Origin header on our own form posts, which the CSRF origin check needs. -->
<meta name="referrer" content="same-origin">
<title>${esc(title)} · DealerScope SRE console</title>
<link rel="stylesheet" href="/console/assets/console.css">
${opts.script ? '<script src="/console/assets/console.js" defer></script>' : ''}
</head>
<body>
<header class="top"><span><strong>DealerScope</strong> SRE console <nav aria-label="Console pages"><a href="/console">Overview</a> · <a href="/console/incidents">Incidents</a></nav></span>${signOut(opts.signOutCsrf)}</header>
<main>
${body}
</main>
</body>
</html>`;
}

/** A table that scrolls sideways inside its own box on a narrow screen, never the page. */
export function scrollBox(label: string, table: string): string {
  // Focusable, so a keyboard can scroll it too.
  return `<div class="scroll" role="region" aria-label="${esc(label)}" tabindex="0">${table}</div>`;
}

export function when(cond: unknown, html: string): string {
  return cond ? html : '';
}

export function formatTime(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
}
