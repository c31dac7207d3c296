// The dealer page: ranked opportunities as plain HTML over the same reads and query rules as the
// API, so what a dealer sees and what a client fetches never disagree.
import type { FastifyInstance } from 'fastify';
import type { Opportunity } from '../opportunities/index.js';
import { parseListQuery } from '../opportunities/index.js';
import { esc } from '../common/html.js';
import { allowDealerCss, DEALER_CSS } from './dealer-css.js';
import type { Workspace } from '../dealers/index.js';
import { frame } from './workspace-pages.js';
import { gzipHtml } from './compress.js';
import { groupDigits } from '../common/digits.js';

const PAGE_SIZE = 50;

const money = (n: number) => `${n < 0 ? '−' : ''}$${groupDigits(Math.abs(n))}`;
const FILTERS = ['state', 'make', 'model', 'status', 'minProfit', 'maxRisk', 'minHeadroom', 'sort'] as const;

function row(o: Opportunity): string {
  const anomalies = o.anomalies.length ? ` <span class="flag" title="open anomaly flags">⚑${o.anomalies.length}</span>` : '';
  const vehicle = `${o.year} ${o.make} ${o.model}${o.trim ? ` ${o.trim}` : ''}`;
  return `<tr>
<td class="status-${esc(o.status)}">${esc(o.status)}${anomalies}</td>
<td><a href="/o/${o.id}">${esc(vehicle)}</a>${o.listingUrl ? ` <a href="${esc(o.listingUrl)}" class="ext" rel="noopener noreferrer" aria-label="auction page for ${esc(vehicle)}">↗</a>` : ''}<br><small>${esc(o.source)} lot ${esc(o.lotId)}${o.mileage !== null ? ` · ${groupDigits(o.mileage)} mi` : ''} · ${esc(o.titleStatus)}</small></td>
<td>${esc(o.location.city ?? '')} ${esc(o.location.state)}</td>
<td>${esc(o.auctionEndsAt.slice(0, 16).replace('T', ' '))}Z</td>
<td class="num" data-label="Bid">${money(o.currentBid)}</td>
<td class="num" data-label="Ceiling">${o.bidCeiling === null ? '—' : money(o.bidCeiling)}</td>
<td class="num" title="premium ${money(o.costs.buyerPremium)}, doc ${money(o.costs.docFee)}, transport ${money(o.costs.transport)}, recon ${money(o.costs.recon)}">${money(o.costs.total)}</td>
<td class="num" title="${esc(o.valuation.method)}, ${o.valuation.sampleSize} comps, ${money(o.valuation.low)}–${money(o.valuation.high)}">${money(o.estimatedSalePrice)}</td>
<td class="num${o.profit < 0 ? ' loss' : ''}">${money(o.profit)}</td>
<td class="num">${o.roi.toFixed(1)} %</td>
<td class="num">${o.confidence}</td>
<td class="num">${o.riskScore}</td>
<td class="num">${o.score}</td>
</tr>`;
}

function filterForm(q: Record<string, string>): string {
  const input = (name: string, label: string, attrs = '') =>
    `<label>${label}<input name="${name}" value="${esc(q[name] ?? '')}" ${attrs}></label>`;
  const select = (name: string, label: string, options: string[]) =>
    `<label>${label}<select name="${name}">${options
      .map((o) => `<option value="${esc(o)}"${(q[name] ?? '') === o ? ' selected' : ''}>${esc(o || 'any')}</option>`)
      .join('')}</select></label>`;
  return `<form class="filters" method="get" action="/">
${input('state', 'State', 'size="3" maxlength="2"')}${input('make', 'Make', 'size="10"')}${input('model', 'Model', 'size="12"')}
${select('status', 'Status', ['', 'hot', 'good', 'moderate'])}${input('minProfit', 'Min profit $', 'size="7" inputmode="numeric"')}
${input('maxRisk', 'Max risk', 'size="4" inputmode="numeric"')}${input('minHeadroom', 'Min headroom $', 'size="7" inputmode="numeric"')}${select('sort', 'Sort', ['score', 'profit', 'roi', 'headroom', 'newest', 'ending'])}
<button type="submit">Show</button></form>`;
}

/** Service notices every dealer page shows (open incidents past their last step, lately resolved ones). */
export type DealerNotices = () => Promise<Array<{ resolved: boolean; text: string }>>;

export async function noticeBanner(notices: DealerNotices | undefined): Promise<string> {
  // A notice that cannot be read must not take the page down with it.
  const list = notices ? await notices().catch(() => []) : [];
  return list
    .map((n) => `<p class="notice${n.resolved ? ' resolved' : ''}" role="${n.resolved ? 'status' : 'alert'}">${esc(n.text)}</p>`)
    .join('\n');
}

const SORT_LABELS: Record<string, string> = {
  score: 'score, highest first',
  profit: 'profit, highest first',
  roi: 'ROI, highest first',
  headroom: 'headroom, largest first',
  newest: 'newest first',
  ending: 'ending soonest first',
};

export async function dealerPage(
  app: FastifyInstance,
  { workspace, notices }: { workspace: Workspace; notices?: DealerNotices },
): Promise<void> {
  app.addHook('onSend', gzipHtml);
  app.get('/assets/dealer.css', { schema: { hide: true } }, async (_req, reply) =>
    reply.type('text/css; charset=utf-8').header('Cache-Control', 'public, max-age=3600').send(DEALER_CSS),
  );

  app.get('/', { schema: { hide: true } }, async (request, reply) => {
    const raw = request.query as Record<string, unknown>;
    const given: Record<string, string> = {};
    for (const k of [...FILTERS, 'page']) if (typeof raw[k] === 'string' && raw[k] !== '') given[k] = raw[k] as string;
    // The page is forgiving: what cannot be read is named above the list and dropped (the API's
    // lenient rules), never a 500.
    const strict = parseListQuery({ sort: 'score', ...given }, true);
    const unknown = Object.keys(raw).filter((k) => !(FILTERS as readonly string[]).includes(k) && k !== 'page');
    const ignored = [
      ...(strict.ok ? [] : strict.errors.map((e) => `${e.field} ${e.message}`)),
      ...unknown.map((k) => `${k.slice(0, 40)} (not a filter of this page)`),
    ];
    // What cannot be read is dropped before the forgiving read, so the page's own default (score)
    // stands in for a bad sort, not the API's.
    if (!strict.ok) for (const e of strict.errors) delete given[e.field];
    const parsed = parseListQuery({ sort: 'score', ...given, limit: String(PAGE_SIZE) }, false);
    const q = parsed.ok ? parsed.query : null;
    const dealer = await workspace.identify(request);
    const read = (p: number) =>
      q
        ? workspace.reads.offsetPage(dealer, { sort: q.sort, filters: q.filters, limit: PAGE_SIZE }, p)
        : Promise.resolve({ items: [] as Opportunity[], total: 0 });
    let page = q?.page ?? 1;
    let { items, total } = await read(page);
    const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
    // Past the last page (an old link, a hand-typed number): the last page, and a word about it.
    if (items.length === 0 && page > pages && total > 0) {
      ignored.push(`page ${page} (there are ${pages})`);
      page = pages;
      ({ items, total } = await read(page));
    }
    const problem = ignored.length ? `Ignored: ${ignored.join('; ')}.` : '';
    const link = (p: number) =>
      `/?${esc(new URLSearchParams({ ...Object.fromEntries(Object.entries(given).filter(([k]) => k !== 'page')), page: String(p) }).toString())}`;
    const sample = items.some((o) => o.sample);
    const sort = q?.sort ?? 'score';
    const body = `${sample ? '<p class="sample">Showing bundled <strong>sample data</strong> (synthetic listings). Import a real feed with <code>dealerscope ingest --file …</code>.</p>' : ''}
${problem ? `<p class="notice" role="alert">${esc(problem)}</p>` : ''}
${filterForm(given)}
<p class="summary" role="status">${groupDigits(total)} opportunit${total === 1 ? 'y' : 'ies'} · sorted by ${esc(SORT_LABELS[sort] ?? sort)} · page ${Math.min(page, pages)} of ${pages}${dealer ? ` · figures for ${esc(dealer.name)} (ZIP ${esc(dealer.zip)})` : ' · figures for the default dealer; <a href="/login">sign in</a> for yours'}</p>
<div class="scroll" tabindex="0" role="region" aria-label="Opportunities"><table class="list"><caption class="sr-only">Opportunities</caption><thead><tr><th scope="col">Status</th><th scope="col">Vehicle</th><th scope="col">Location</th><th scope="col">Ends (UTC)</th><th scope="col" class="num">Bid</th><th scope="col" class="num">Ceiling</th><th scope="col" class="num">Landed cost</th><th scope="col" class="num">Est. sale</th><th scope="col" class="num">Profit</th><th scope="col" class="num">ROI</th><th scope="col" class="num">Conf.</th><th scope="col" class="num">Risk</th><th scope="col" class="num">Score</th></tr></thead>
<tbody>${items.map(row).join('\n') || '<tr><td colspan="13">No opportunities match these filters.</td></tr>'}</tbody></table></div>
<nav class="pages" aria-label="Pages">${page > 1 ? `<a href="${link(page - 1)}" rel="prev">← Previous</a>` : ''} ${page < pages ? `<a href="${link(page + 1)}" rel="next">Next →</a>` : ''}</nav>
<p><small>Landed cost = bid + buyer's premium + doc fee + transport + recon reserve. Ceiling = the highest bid that still makes the target profit and ROI. API: <a href="/openapi.json">/openapi.json</a></small></p>`;
    allowDealerCss(reply.type('text/html; charset=utf-8').header('Cache-Control', 'private, no-store'));
    return frame(request, 'Opportunities', body, notices);
  });
}
