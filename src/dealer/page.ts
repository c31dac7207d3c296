// The dealer page: ranked opportunities as plain HTML over the same reads and query rules as the
// API, so what a dealer sees and what a client fetches never disagree.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../shared/app-context.js';
import type { Opportunity } from '../opportunities/api-schema.js';
import { CursorError, queryFingerprint } from '../opportunities/cursor.js';
import { parseListQuery } from '../opportunities/list-query.js';
import { esc } from '../shared/html.js';
import { DEALER_CSS } from './dealer-css.js';

const money = (n: number) => `${n < 0 ? '−' : ''}$${Math.abs(n).toLocaleString('en-US', { maximumFractionDigits: 0 })}`;
const FILTERS = ['state', 'make', 'model', 'status', 'minProfit', 'maxRisk', 'sort'] as const;

function row(o: Opportunity): string {
  const anomalies = o.anomalies.length ? ` <span class="flag" title="open anomaly flags">⚑${o.anomalies.length}</span>` : '';
  const vehicle = `${o.year} ${o.make} ${o.model}${o.trim ? ` ${o.trim}` : ''}`;
  return `<tr>
<td class="status-${esc(o.status)}">${esc(o.status)}${anomalies}</td>
<td>${o.listingUrl ? `<a href="${esc(o.listingUrl)}" rel="noopener noreferrer">${esc(vehicle)}</a>` : esc(vehicle)}<br><small>${esc(o.source)} lot ${esc(o.lotId)}${o.mileage !== null ? ` · ${o.mileage.toLocaleString('en-US')} mi` : ''} · ${esc(o.titleStatus)}</small></td>
<td>${esc(o.location.city ?? '')} ${esc(o.location.state)}</td>
<td>${esc(o.auctionEndsAt.slice(0, 16).replace('T', ' '))}Z</td>
<td class="num">${money(o.currentBid)}</td>
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
  const input = (name: string, label: string, attrs = '') => `<label>${label}<input name="${name}" value="${esc(q[name] ?? '')}" ${attrs}></label>`;
  const select = (name: string, label: string, options: string[]) => `<label>${label}<select name="${name}">${options
    .map((o) => `<option value="${esc(o)}"${(q[name] ?? '') === o ? ' selected' : ''}>${esc(o || 'any')}</option>`).join('')}</select></label>`;
  return `<form class="filters" method="get" action="/">
${input('state', 'State', 'size="3" maxlength="2"')}${input('make', 'Make', 'size="10"')}${input('model', 'Model', 'size="12"')}
${select('status', 'Status', ['', 'hot', 'good', 'moderate'])}${input('minProfit', 'Min profit $', 'size="7" inputmode="numeric"')}
${input('maxRisk', 'Max risk', 'size="4" inputmode="numeric"')}${select('sort', 'Sort', ['score', 'profit', 'roi', 'newest', 'ending'])}
<button type="submit">Show</button></form>`;
}

/** Service notices every dealer page shows (open incidents past their last step, lately resolved ones). */
export type DealerNotices = () => Promise<Array<{ resolved: boolean; text: string }>>;

export async function noticeBanner(notices: DealerNotices | undefined): Promise<string> {
  // A notice that cannot be read must not take the page down with it.
  const list = notices ? await notices().catch(() => []) : [];
  return list.map((n) => `<p class="notice${n.resolved ? ' resolved' : ''}" role="${n.resolved ? 'status' : 'alert'}">${esc(n.text)}</p>`).join('\n');
}

export async function dealerPage(app: FastifyInstance, { ctx, notices }: { ctx: AppContext; notices?: DealerNotices }): Promise<void> {
  app.get('/assets/dealer.css', { schema: { hide: true } }, async (_req, reply) => reply.type('text/css; charset=utf-8').send(DEALER_CSS));

  app.get('/', { schema: { hide: true } }, async (request, reply) => {
    const raw = request.query as Record<string, unknown>;
    const given: Record<string, string> = {};
    for (const k of [...FILTERS, 'cursor']) if (typeof raw[k] === 'string' && raw[k] !== '') given[k] = raw[k] as string;
    // The page is forgiving: unreadable filters are dropped (the API's lenient rules), never a 500.
    const parsed = parseListQuery({ sort: 'score', ...given, limit: '50' }, false);
    const q = parsed.ok ? parsed.query : null;
    let items: Opportunity[] = [];
    let next: string | null = null;
    let problem = '';
    if (q) {
      const fingerprint = queryFingerprint(q.sort, q.filters);
      let after = null;
      try {
        after = q.cursor ? ctx.cursors.decode(q.cursor, fingerprint) : null;
      } catch (err) {
        if (!(err instanceof CursorError)) throw err;
        problem = 'That page link no longer matches the filters; showing the first page.';
      }
      const page = await ctx.reads.keysetPage({ sort: q.sort, filters: q.filters, limit: q.limit }, after);
      items = page.items;
      if (page.hasMore && page.last) next = ctx.cursors.encode(fingerprint, page.last);
    }
    const keep = new URLSearchParams(Object.entries(given).filter(([k]) => k !== 'cursor'));
    if (next) keep.set('cursor', next);
    const sample = items.some((o) => o.sample);
    const banner = await noticeBanner(notices);
    reply.type('text/html; charset=utf-8');
    return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>DealerScope · opportunities</title><link rel="stylesheet" href="/assets/dealer.css"></head>
<body><header><strong>DealerScope</strong> — profitable vehicles at public auctions</header><main>
${banner}${sample ? '<p class="sample">Showing bundled <strong>sample data</strong> (synthetic listings). Import a real feed with <code>dealerscope ingest --file …</code>.</p>' : ''}
${problem ? `<p class="sample">${esc(problem)}</p>` : ''}
${filterForm(given)}
<table><thead><tr><th>Status</th><th>Vehicle</th><th>Location</th><th>Ends (UTC)</th><th class="num">Bid</th><th class="num">Landed cost</th><th class="num">Est. sale</th><th class="num">Profit</th><th class="num">ROI</th><th class="num">Conf.</th><th class="num">Risk</th><th class="num">Score</th></tr></thead>
<tbody>${items.map(row).join('\n') || '<tr><td colspan="12">No opportunities match these filters.</td></tr>'}</tbody></table>
<nav class="pages">${next ? `<a href="/?${esc(keep.toString())}">Next 50 →</a>` : ''}</nav>
<p><small>Landed cost = bid + buyer's premium + doc fee + transport + recon reserve. Hover a figure for its parts. API: <a href="/openapi.json">/openapi.json</a></small></p>
</main></body></html>`;
  });
}
