// Applies text sanitising to a listing as the pipeline receives it, whoever read it (a feed file or
// a scraping adapter): free-text fields lose markup and control characters, the listing notes which
// fields were cleaned (the detector flags it) and the reader's origin keeps the raw text for provenance.
import type { ListingBatch } from './batch.js';
import { sanitizeText } from './sanitize.js';
import type { ListingInput } from '../opportunities/index.js';

const TEXT_FIELDS = ['title', 'description', 'make', 'model', 'trim', 'city'] as const satisfies ReadonlyArray<keyof ListingInput>;

/** Cleans one accepted row in place; true when anything was removed. */
export function sanitizeListing(a: ListingBatch['accepted'][number]): boolean {
  const l = a.listing;
  const cleaned: string[] = [];
  for (const f of TEXT_FIELDS) {
    const raw = l[f];
    if (typeof raw !== 'string' || raw === '') continue;
    const s = sanitizeText(raw);
    if (s.removed.length === 0) continue;
    const text = f === 'description' ? s.text.trim() : s.text.replace(/\s+/g, ' ').trim();
    // Required text that was nothing but markup keeps a visible placeholder rather than going empty.
    (l as unknown as Record<string, string | null>)[f] =
      text !== '' ? text : f === 'title' || f === 'make' || f === 'model' ? '(unreadable)' : null;
    cleaned.push(`${f}:${s.removed.join('+')}`);
    if (a.origin) (a.origin.raw ??= {})[f] = raw;
  }
  l.sanitized = cleaned.length ? cleaned : undefined;
  return cleaned.length > 0;
}
