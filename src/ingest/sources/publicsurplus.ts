// PublicSurplus: server-rendered HTML. Search pages list `div.auction-item` cards (25 a page,
// `page=` 0-based); each lot's detail page `/sms/auction/view?auc=ID` carries the description
// (VIN, odometer) and the agency's terms, where the buyer's premium is stated in free text.
// Cards and details are read with cheerio over plain HTTP; agencies whose detail pages build
// their text in script are configured with `render: true`, and those pages go through the
// browser pool (and wait while the pool is off).
import { load, type CheerioAPI } from 'cheerio';
import { extractMileage, extractVin } from '../../quality/vin.js';
import { BudgetExhaustedError, RobotsDisallowedError } from './fetcher.js';
import { buyerPremiumFromText, finishDraft, newDraft, put, put as putField, titleBrandFromText, type Draft, type PageOrigin } from './listing-builder.js';
import { SourceLayoutError, type CollectResult, type SourceAdapter, type SourceRun } from './types.js';
import { parseVehicleTitle } from './vehicle-title.js';

export const PUBLICSURPLUS_EXTRACTOR = 'publicsurplus-html@1';
const PAGE_SIZE = 25;

export interface PublicSurplusOptions {
  name: string;
  /** A search/category URL; `page` is added. */
  listUrl: string;
  maxPages: number;
  /** Detail pages need a browser (their text is written by script). */
  render: boolean;
}

interface Card { auc: string; draft: Draft }

function readCard($: CheerioAPI, el: Parameters<CheerioAPI>[0], index: number, listUrl: string): Card {
  const card = $(el);
  const id = card.attr('id') ?? '';
  const auc = /^(\d+)searchGrid$/.exec(id)?.[1] ?? '';
  const d = newDraft({ id, html: (card.html() ?? '').slice(0, 2_000) });
  const sel = (s: string) => `div.auction-item:nth-of-type(${index + 1}) ${s}`;
  if (!auc) d.problems.push(`lotId: card ${index} has no id of the form {auc}searchGrid`);
  else put(d, 'lotId', auc, `div.auction-item:nth-of-type(${index + 1})[id]`);
  const titleAttr = card.find('h6.card-title a[title]').attr('title');
  if (!titleAttr) d.problems.push('title: selector h6.card-title a[title] not found');
  else {
    const title = titleAttr.replace(/^#\s*\d+\s*-\s*/, '');
    put(d, 'title', title, sel('h6.card-title a[title]'));
    const parts = parseVehicleTitle(title);
    if (!parts.make) d.problems.push(`make: no known vehicle make in title ${JSON.stringify(title.slice(0, 40))}`);
    put(d, 'year', parts.year, sel('h6.card-title a[title]'), 'derived');
    put(d, 'make', parts.make, sel('h6.card-title a[title]'), 'derived');
    put(d, 'model', parts.model, sel('h6.card-title a[title]'), 'derived');
    put(d, 'trim', parts.trim, sel('h6.card-title a[title]'), 'derived');
  }
  const state = card.find('span.auction-item-state').first().text().trim();
  if (!state) d.problems.push('state: selector span.auction-item-state not found');
  else put(d, 'state', state, sel('span.auction-item-state'));
  const price = auc ? card.find(`#val_${auc}searchGrid`).first().text().trim() : '';
  if (!price) d.problems.push(`currentBidCents: selector #val_${auc || '{auc}'}searchGrid not found`);
  else put(d, 'currentBidCents', price, `#val_${auc}searchGrid`);
  const script = /updateTimeLeftSpan\(([^)]*)\)/.exec(card.html() ?? '')?.[1];
  const endMs = script ? /\b(\d{12,14})\b/.exec(script)?.[1] : undefined;
  if (!endMs) d.problems.push('auctionEndsAt: no epoch-ms argument in an updateTimeLeftSpan(…) call');
  else put(d, 'auctionEndsAt', Number(endMs), sel('script updateTimeLeftSpan(…)'));
  if (auc) put(d, 'listingUrl', new URL(`/sms/auction/view?auc=${auc}`, listUrl).href, `div.auction-item:nth-of-type(${index + 1})[id]`, 'derived');
  return { auc, draft: d };
}

/** Adds what the detail page says: description (VIN, odometer, title brand), location, premium. */
function readDetail(html: string, d: Draft, at: string): void {
  const $ = load(html);
  const put = (field: Parameters<typeof putField>[1], value: unknown, selector: string, method?: 'derived') => putField(d, field, value, `${at} ${selector}`, method);
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
    name: opts.name, kind: 'publicsurplus', needsBrowser: opts.render,
    async collect(run: SourceRun): Promise<CollectResult> {
      const result: CollectResult = { batch: { accepted: [], rejected: [] }, pages: 0, notes: [] };
      const now = new Date(run.clock.now());
      let row = 0;
      let detailsStopped = false;
      for (let page = 0; page < opts.maxPages; page++) {
        const url = new URL(opts.listUrl);
        url.searchParams.set('page', String(page));
        let fetched;
        try {
          fetched = await run.fetcher.get(url.href, 'text/html');
        } catch (err) {
          if (err instanceof BudgetExhaustedError && page > 0) { result.notes.push(err.message); break; }
          throw err;
        }
        result.pages += 1;
        const $ = load(fetched.body);
        const cards = $('div.auction-item').toArray();
        if (cards.length === 0) {
          if (page > 0 || /no auctions (were )?found/i.test($('body').text())) break;
          throw new SourceLayoutError(`${url.href}: no div.auction-item cards on the first page; the page layout changed`);
        }
        const listOrigin: PageOrigin = { sourceUrl: url.href, fetchedAt: fetched.fetchedAt, snapshotHash: fetched.hash, extractorVersion: PUBLICSURPLUS_EXTRACTOR };
        for (const [i, el] of cards.entries()) {
          row += 1;
          const { auc, draft } = readCard($, el, i, opts.listUrl);
          const origin = listOrigin;
          if (auc && draft.problems.length === 0 && !detailsStopped) {
            const detailUrl = new URL(`/sms/auction/view?auc=${auc}`, opts.listUrl);
            try {
              const detail = opts.render
                ? await renderDetail(run, detailUrl)
                : await run.fetcher.get(detailUrl.href, 'text/html').then((p) => ({ html: p.body, fetchedAt: p.fetchedAt, hash: p.hash }));
              result.pages += 1;
              // Detail fields name their page in the locator; the origin stays the list page.
              readDetail(detail.html, draft, `${detailUrl.href}#sha256=${detail.hash.slice(0, 16)}`);
            } catch (err) {
              if (!(err instanceof BudgetExhaustedError || err instanceof RobotsDisallowedError)) throw err;
              // Card data alone still makes a listing; the operator learns why details are missing.
              result.notes.push(`detail pages skipped from lot ${auc}: ${err.message}`);
              detailsStopped = true;
            }
          }
          const out = finishDraft('publicsurplus', row, draft, origin, now);
          if ('reason' in out) result.batch.rejected.push(out); else result.batch.accepted.push(out);
        }
        if (cards.length < PAGE_SIZE) break;
      }
      return result;
    },
  };
}

async function renderDetail(run: SourceRun, url: URL) {
  if (!run.renderer) throw new Error(`${url.href} needs the browser pool, which this process does not run`);
  const page = await run.renderer.render(url.href, run.policy);
  return { html: page.html, fetchedAt: page.fetchedAt, hash: page.hash };
}
