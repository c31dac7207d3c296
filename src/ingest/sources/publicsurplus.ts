// PublicSurplus: server-rendered HTML. Search and category pages list `div.auction-item` cards
// (25 a page, `page=` 0-based) whose id is `{auc}searchGrid` on search pages and `{auc}catGrid`
// on category pages (any `{auc}<word>Grid` is accepted); the price is `#val_{auc}<word>Grid`, and
// the end is the fifth argument of the card's inline `updateTimeLeftSpan(map, auc, "elementId",
// nowMs, endMs, …)` call (the fourth is the page's render time). Each lot's detail page
// `/sms/auction/view?auc=ID` carries the description (VIN, odometer) and the agency's terms,
// where the buyer's premium is stated in free text.
// Cards and details are read with cheerio over plain HTTP; agencies whose detail pages build
// their text in script are configured with `render: true`, and those pages go through the
// browser pool (and wait while the pool is off).
import type { CheerioAPI } from 'cheerio';
import { lazyRequire } from '../../common/lazy-require.js';
import { extractMileage, extractVin } from '../../quality/index.js';
import { BudgetExhaustedError, FetchError, RobotsDisallowedError } from './fetcher.js';
import { buyerPremiumFromText } from '../value-parsers.js';
import {
  fileDraft,
  finishDraft,
  newDraft,
  put,
  put as putField,
  titleBrandFromText,
  type Draft,
  type PageOrigin,
} from './listing-builder.js';
import { COMMON_FIELDS, ParseCoverage } from './parse-coverage.js';
import { assertLayout, SourceLayoutError, type CollectResult, type SourceAdapter, type SourceRun } from './types.js';
import { looksLikeVehicle, parseVehicleTitle } from './vehicle-title.js';

const cheerio = lazyRequire<typeof import('cheerio')>('cheerio');

export const PUBLICSURPLUS_EXTRACTOR = 'publicsurplus-html@2';
export const PUBLICSURPLUS_FIELDS = [...COMMON_FIELDS, 'buyerPremiumPct'] as const;
/** Card parts whose absence from every card of a page means the layout changed. */
const STRUCTURAL = ['lotId', 'title', 'currentBidCents', 'auctionEndsAt'] as const;

export interface PublicSurplusOptions {
  name: string;
  /** A search/category URL; `page` is added. */
  listUrl: string;
  maxPages: number;
  /** Detail pages need a browser (their text is written by script). */
  render: boolean;
}

interface Card {
  auc: string;
  draft: Draft;
  missing: string[];
}

/** The arguments of a JavaScript call as written: strings, numbers and names, split at top-level commas. */
export function callArguments(args: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | null = null;
  let depth = 0;
  for (let i = 0; i < args.length; i++) {
    const c = args[i]!;
    if (quote) {
      cur += c;
      if (c === '\\') {
        cur += args[++i] ?? '';
        continue;
      }
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'" || c === '`') {
      quote = c;
      cur += c;
    } else if (c === '(' || c === '[' || c === '{') {
      depth++;
      cur += c;
    } else if (c === ')' || c === ']' || c === '}') {
      depth--;
      cur += c;
    } else if (c === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  if (cur.trim() !== '') out.push(cur.trim());
  return out;
}

/** The end time (epoch ms) of a card: the fifth argument of its updateTimeLeftSpan(…) call. */
export function endFromScript(html: string): { ms: number } | { problem: string } {
  const call = /updateTimeLeftSpan\s*\(([^)]*)\)/.exec(html)?.[1];
  if (call === undefined) return { problem: 'auctionEndsAt: no updateTimeLeftSpan(…) call in the card' };
  const args = callArguments(call);
  const end = args[4];
  if (end === undefined) return { problem: `auctionEndsAt: updateTimeLeftSpan(…) has ${args.length} arguments, the end time is the fifth` };
  if (!/^\d{12,14}$/.test(end))
    return {
      problem: `auctionEndsAt: the fifth argument of updateTimeLeftSpan(…) is ${JSON.stringify(end.slice(0, 20))}, not epoch milliseconds`,
    };
  return { ms: Number(end) };
}

function readCard($: CheerioAPI, el: Parameters<CheerioAPI>[0], index: number, listUrl: string): Card {
  const card = $(el);
  const id = card.attr('id') ?? '';
  const idMatch = /^(\d+)([A-Za-z]+Grid)$/.exec(id);
  const auc = idMatch?.[1] ?? '';
  const suffix = idMatch?.[2] ?? '';
  const d = newDraft({ id, html: (card.html() ?? '').slice(0, 2_000) });
  const missing: string[] = [];
  const sel = (s: string) => `div.auction-item:nth-of-type(${index + 1}) ${s}`;
  if (!auc) {
    d.problems.push(`lotId: card ${index} has no id of the form {auc}<word>Grid (found ${JSON.stringify(id.slice(0, 30))})`);
    missing.push('lotId');
  } else put(d, 'lotId', auc, `div.auction-item:nth-of-type(${index + 1})[id]`);
  const titleAttr = card.find('h6.card-title a[title]').attr('title');
  if (!titleAttr) {
    d.problems.push('title: selector h6.card-title a[title] not found');
    missing.push('title');
  } else {
    const title = titleAttr.replace(/^#\s*\d+\s*-\s*/, '');
    put(d, 'title', title, sel('h6.card-title a[title]'));
    const parts = parseVehicleTitle(title);
    if (!parts.make) {
      if (looksLikeVehicle(title, null)) d.problems.push(`make: no known vehicle make in title ${JSON.stringify(title.slice(0, 40))}`);
      else d.skip = `not a vehicle: ${JSON.stringify(title.slice(0, 40))}`;
    }
    put(d, 'year', parts.year, sel('h6.card-title a[title]'), 'derived');
    put(d, 'make', parts.make, sel('h6.card-title a[title]'), 'derived');
    put(d, 'model', parts.model, sel('h6.card-title a[title]'), 'derived');
    put(d, 'trim', parts.trim, sel('h6.card-title a[title]'), 'derived');
  }
  const state = card.find('span.auction-item-state').first().text().trim();
  if (!state) d.problems.push('state: selector span.auction-item-state not found');
  else put(d, 'state', state, sel('span.auction-item-state'));
  const priceSel = `#val_${auc || '{auc}'}${suffix || '<word>Grid'}`;
  const price = auc ? card.find(`#val_${auc}${suffix}`).first().text().trim() : '';
  if (!price) {
    d.problems.push(`currentBidCents: selector ${priceSel} not found`);
    if (card.find('[id^="val_"]').length === 0) missing.push('currentBidCents');
  } else put(d, 'currentBidCents', price, priceSel);
  const end = endFromScript(card.html() ?? '');
  if ('problem' in end) {
    d.problems.push(end.problem);
    missing.push('auctionEndsAt');
  } else put(d, 'auctionEndsAt', end.ms, sel('script updateTimeLeftSpan(…) argument 5'));
  if (auc)
    put(
      d,
      'listingUrl',
      new URL(`/sms/auction/view?auc=${auc}`, listUrl).href,
      `div.auction-item:nth-of-type(${index + 1})[id]`,
      'derived',
    );
  return { auc, draft: d, missing };
}

/** Adds what the detail page says: description (VIN, odometer, title brand), location, premium. */
function readDetail(html: string, d: Draft, at: string): void {
  const $ = cheerio().load(html);
  const put = (field: Parameters<typeof putField>[1], value: unknown, selector: string, method?: 'derived') =>
    putField(d, field, value, `${at} ${selector}`, method);
  const description = $('#itemDescription').text().trim();
  put('description', description, '#itemDescription');
  put('vin', extractVin(description), '#itemDescription', 'derived');
  put('mileage', extractMileage(description), '#itemDescription', 'derived');
  put('titleStatus', titleBrandFromText(description), '#itemDescription', 'derived');
  put('city', $('#itemLocation .city').text().trim(), '#itemLocation .city');
  put('zip', $('#itemLocation .zip').text().trim(), '#itemLocation .zip');
  const terms = $('#agencyTerms').text();
  put('buyerPremiumPct', buyerPremiumFromText(terms), '#agencyTerms', 'derived');
}

export function publicSurplusAdapter(opts: PublicSurplusOptions): SourceAdapter {
  return {
    name: opts.name,
    kind: 'publicsurplus',
    needsBrowser: opts.render,
    async collect(run: SourceRun): Promise<CollectResult> {
      const result: CollectResult = { batch: { accepted: [], rejected: [] }, skipped: [], pages: 0, notes: [], coverage: null };
      const coverage = new ParseCoverage(PUBLICSURPLUS_FIELDS);
      const now = new Date(run.clock.now());
      let row = 0;
      let detailsStopped = false;
      let pageSize: number | undefined;
      // A page that repeats the previous one's lots is the site answering past its end.
      let previousIds = '';
      for (let page = 0; page < opts.maxPages; page++) {
        const url = new URL(opts.listUrl);
        url.searchParams.set('page', String(page));
        let fetched;
        try {
          fetched = await run.fetcher.get(url.href, 'text/html');
        } catch (err) {
          if (err instanceof BudgetExhaustedError && page > 0) {
            result.notes.push(err.message);
            break;
          }
          throw err;
        }
        result.pages += 1;
        const $ = cheerio().load(fetched.body);
        const cards = $('div.auction-item').toArray();
        if (cards.length === 0) {
          if (page > 0 || /no auctions (were )?found/i.test($('body').text())) break;
          throw new SourceLayoutError(`${url.href}: no div.auction-item cards on the first page; the page layout changed`);
        }
        const listOrigin: PageOrigin = {
          sourceUrl: url.href,
          fetchedAt: fetched.fetchedAt,
          snapshotHash: fetched.hash,
          extractorVersion: PUBLICSURPLUS_EXTRACTOR,
        };
        const read = cards.map((el, i) => readCard($, el, i, opts.listUrl));
        assertLayout(url.href, read, STRUCTURAL);
        const ids = read.map((r) => r.auc).join(',');
        if (ids === previousIds) break;
        previousIds = ids;
        for (const { auc, draft } of read) {
          row += 1;
          const origin = listOrigin;
          if (auc && draft.problems.length === 0 && draft.skip === null && !detailsStopped) {
            const detailUrl = new URL(`/sms/auction/view?auc=${auc}`, opts.listUrl);
            try {
              const detail = opts.render
                ? await renderDetail(run, detailUrl)
                : await run.fetcher.get(detailUrl.href, 'text/html').then((p) => ({ html: p.body, fetchedAt: p.fetchedAt, hash: p.hash }));
              result.pages += 1;
              // Detail fields name their page in the locator; the origin stays the list page.
              readDetail(detail.html, draft, `${detailUrl.href}#sha256=${detail.hash.slice(0, 16)}`);
            } catch (err) {
              if (err instanceof BudgetExhaustedError || err instanceof RobotsDisallowedError) {
                // Card data alone still makes a listing; the operator learns why details are missing.
                result.notes.push(`detail pages skipped from lot ${auc}: ${err.message}`);
                detailsStopped = true;
              } else if (err instanceof FetchError && (err.status === 404 || err.status === 410)) {
                // Withdrawn between the list page and its detail: that lot alone is left out.
                draft.skip = `detail page answered HTTP ${err.status}: the lot is no longer listed`;
              } else if (err instanceof FetchError) {
                // One detail page the site would not serve (after the fetcher's retries) costs that
                // lot its detail fields, not the run its other lots.
                result.notes.push(`lot ${auc} kept from its card alone: ${err.message}`);
              } else throw err;
            }
          }
          coverage.add(draft);
          fileDraft(finishDraft('publicsurplus', row, draft, origin, now), result.batch, result.skipped);
        }
        run.progress?.({ pages: result.pages, found: row, total: null });
        // The first page says how many cards a page holds (25 on the category and search pages
        // seen so far, but an operator's URL or the site may differ): a shorter page is the last.
        pageSize ??= cards.length;
        if (cards.length < pageSize) break;
        if (page === opts.maxPages - 1) result.notes.push(`stopped after maxPages=${opts.maxPages}; later pages were not read`);
      }
      result.coverage = coverage.summary();
      return result;
    },
  };
}

async function renderDetail(run: SourceRun, url: URL) {
  if (!run.renderer) throw new Error(`${url.href} needs the browser pool, which this process does not run`);
  const page = await run.renderer.render(url.href, run.policy);
  return { html: page.html, fetchedAt: page.fetchedAt, hash: page.hash };
}
