// Reading the JSON records of auction APIs as they are really published: the same key may come
// in PascalCase (GSA's OpenAPI document) or camelCase (what live checks of the same API report),
// and free text may arrive as HTML. Keys are matched without regard to case, and the locator of
// every value names the key exactly as the source spelled it.
import { lazyRequire } from '../../common/lazy-require.js';
import { FetchError } from './fetcher.js';

const cheerio = lazyRequire<typeof import('cheerio')>('cheerio');

export class CaseInsensitiveRecord {
  private readonly keys = new Map<string, string>();

  constructor(
    readonly raw: Record<string, unknown>,
    readonly pointer: string,
  ) {
    for (const k of Object.keys(raw)) {
      const lower = k.toLowerCase();
      if (!this.keys.has(lower)) this.keys.set(lower, k);
    }
  }

  /** The key as the source spelled it, or undefined. */
  key(name: string): string | undefined {
    return this.keys.get(name.toLowerCase());
  }

  has(name: string): boolean {
    return this.keys.has(name.toLowerCase());
  }

  get(name: string): unknown {
    const k = this.key(name);
    return k === undefined ? undefined : this.raw[k];
  }

  /** A trimmed non-empty string (numbers are written as text), else null. */
  text(name: string): string | null {
    const v = this.get(name);
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
    if (typeof v !== 'string') return null;
    const t = v.trim();
    return t === '' ? null : t;
  }

  /** JSON Pointer of a key (as spelled by the source, or as asked when absent). */
  at(name: string): string {
    return `${this.pointer}/${(this.key(name) ?? name).replace(/~/g, '~0').replace(/\//g, '~1')}`;
  }
}

/** A record's value under a case-insensitive key of a plain object, for top-level envelopes. */
export function getInsensitive(obj: unknown, name: string): { key: string; value: unknown } | null {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return null;
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(obj)) if (k.toLowerCase() === lower) return { key: k, value: v };
  return null;
}

const BLOCK = 'br, p, div, li, tr, h1, h2, h3, h4, h5, h6';

/** Visible text of an HTML fragment: tags dropped, entities decoded, block breaks kept as lines. */
export function htmlToText(html: string): string {
  if (!/[<&]/.test(html)) return html.replace(/[ \t]+/g, ' ').trim();
  const $ = cheerio().load(`<div id="__root">${html}</div>`);
  $('script, style').remove();
  $(BLOCK).each((_, el) => {
    $(el).before('\n');
  });
  return $('#__root')
    .text()
    .split('\n')
    .map((l) => l.replace(/\s+/g, ' ').trim())
    .filter(Boolean)
    .join('\n');
}

/**
 * A JSON API's answer, parsed. An HTML page in its place (a maintenance notice, an error page, a
 * bot manager's check) is a failed fetch named as such, not a changed layout: that would open the
 * source's breaker and record a layout reject for what is usually gone by the next run.
 */
export function parseJsonAnswer(
  fetched: { body: string; headers: Record<string, string> },
  where: string,
  onNotJson: (message: string) => Error,
): unknown {
  try {
    return JSON.parse(fetched.body);
  } catch (err) {
    const type = fetched.headers['content-type'] ?? '';
    if (/html/i.test(type) || /^\s*</.test(fetched.body)) {
      const title = /<title[^>]*>([^<]{1,120})/i.exec(fetched.body)?.[1]?.trim();
      throw new FetchError(`${where}: the source answered an HTML page${title ? ` ("${title}")` : ''} instead of JSON`, 200);
    }
    throw onNotJson(`${where}: response is not JSON (${(err as Error).message})`);
  }
}
