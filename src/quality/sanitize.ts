// Published text is plain text: listing feeds and scraped pages sometimes carry HTML (a seller's
// <b>NO RESERVE</b>, a <script> pasted into a description) or terminal control characters. They are
// stripped before anything is stored or served; the raw text is kept in provenance and the listing
// is flagged, so an operator sees what the source sent.
import { lazyRequire } from '../common/lazy-require.js';

// Loaded the first time a text carries markup (most never do).
const cheerio = lazyRequire<typeof import('cheerio/slim')>('cheerio/slim');

// C0 controls other than tab/newline/CR, DEL and C1 controls.
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;
// An ANSI escape sequence as a whole (ESC [ … letter), so no "[31m" is left behind.
const ANSI = /\u001B\[[0-9;?]*[ -/]*[@-~]/g;
const MARKUP = /<\s*\/?\s*[a-z!][^>]*>|&(?:[a-z]{2,8}|#\d{1,6}|#x[0-9a-f]{1,6});/i;

export interface Sanitized {
  text: string;
  /** What was found and removed; empty when the text was already plain. */
  removed: Array<'markup' | 'control_characters'>;
}

export function sanitizeText(raw: string): Sanitized {
  const removed: Sanitized['removed'] = [];
  let text = raw;
  if (MARKUP.test(text)) {
    const $ = cheerio().load(`<body>${text}</body>`);
    $('script, style, noscript, iframe, object').remove();
    // Block-level breaks become spaces so words on either side stay apart.
    $('br, p, div, li, tr').each((_, el) => {
      $(el).before(' ');
    });
    const plain = $('body').text();
    if (plain !== text) {
      text = plain;
      removed.push('markup');
    }
  }
  const stripped = text.replace(ANSI, '').replace(CONTROL, '');
  if (stripped !== text) {
    text = stripped;
    removed.push('control_characters');
  }
  return { text, removed };
}
