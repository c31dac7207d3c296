// The dealer's workspace pages: sign-in (the dealer's API key for a session cookie, CSRF on every
// form, lockout after repeated failures), one opportunity in full, saved searches and the
// watchlist. Figures are the signed-in dealer's personal numbers, else the default dealer's.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Opportunity } from '../opportunities/index.js';
import { checkOrigin, dealerCsrfToken, protectDealerForm, QuotaLimiter, signInAttempt } from '../security/index.js';
import { esc } from '../common/html.js';
import { DEALER_ACTOR, DEALER_COOKIE, parseSearch, ProfileError, SearchStore, type Dealer, type Workspace } from '../dealers/index.js';
import { noticeBanner, type DealerNotices } from './page.js';
import { allowDealerCss, DEALER_CSS } from './dealer-css.js';
import { gzipHtml } from './compress.js';
import type { Clock } from '../common/clock.js';
import type { Db, RedisHandle } from '../storage/index.js';
import { groupDigits } from '../common/digits.js';

export const DEALER_LOGIN_ATTEMPTS_PER_15_MIN = 10;
const money = (n: number | null) => (n === null ? '—' : `${n < 0 ? '−' : ''}$${groupDigits(Math.abs(n))}`);
const cookieOf = (request: FastifyRequest): string | undefined => {
  const v = request.cookies?.[DEALER_COOKIE];
  return typeof v === 'string' && v !== '' ? v : undefined;
};

export function timeLeft(endsAt: string, now: number): string {
  const ms = Date.parse(endsAt) - now;
  if (ms <= 0) return 'ended';
  const h = Math.floor(ms / 3_600_000);
  const d = Math.floor(h / 24);
  return d >= 1 ? `${d} d ${h % 24} h` : `${h} h ${Math.floor((ms % 3_600_000) / 60_000)} min`;
}

/** The page frame every dealer page shares: header with who is signed in, notices, main. */
export async function frame(request: FastifyRequest, title: string, body: string, notices?: DealerNotices): Promise<string> {
  const dealer = request.dealer ?? null;
  const cookie = cookieOf(request);
  const account =
    dealer && cookie
      ? `<form method="post" action="/logout" class="inline"><input type="hidden" name="_csrf" value="${esc(dealerCsrfToken(request, cookie))}"><span>${esc(dealer.name)} · ${esc(dealer.zip)}</span> <button type="submit">Sign out</button></form>`
      : '<a href="/login">Sign in</a>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>DealerScope · ${esc(title)}</title><meta name="description" content="DealerScope ${esc(title.toLowerCase())}: auction vehicles ranked by the profit a dealer makes after buyer's premium, doc fee, transport and recon.">
<link rel="icon" href="data:,"><style>${DEALER_CSS}</style></head>
<body><header><a class="brand" href="/">DealerScope</a><nav aria-label="Workspace"><a href="/">Opportunities</a> <a href="/searches">Searches</a> <a href="/watchlist">Watchlist</a> ${account}</nav></header>
<main>${await noticeBanner(notices)}<h1>${esc(title)}</h1>
${body}
</main></body></html>`;
}

const csrfField = (request: FastifyRequest) => {
  const cookie = cookieOf(request);
  return cookie ? `<input type="hidden" name="_csrf" value="${esc(dealerCsrfToken(request, cookie))}">` : '';
};

/** Comparable sales shown before the expander; the rest are one click away, in the page. */
export const COMPS_SHOWN = 5;

type Comparable = NonNullable<Opportunity['valuation']['comparables']>[number];

// The comparable sales behind the estimate, heaviest first. The first COMPS_SHOWN are a table; the
// rest sit in a closed <details>, which the browser neither styles nor lays out until opened: the
// comparables were the page's largest layout (twelve rows of seven columns, scrolled sideways on a
// phone), the main cost of its first render. On a phone each row becomes a short labelled block.
export function compsSection(comps: Comparable[]): string {
  if (comps.length === 0) return '<p>No comparable sales: the estimate comes from the depreciation model.</p>';
  const row = (x: Comparable) =>
    `<tr><td>${x.year} ${esc(x.model)}</td><td class="num" data-label="Miles">${x.mileage != null ? groupDigits(x.mileage) : '—'}</td><td class="num" data-label="Price">${money(x.price)}</td><td class="num" data-label="Adjusted">${money(x.adjustedPrice)}</td><td class="num" data-label="Weight">${(x.weight * 100).toFixed(0)} %</td><td class="num" data-label="Sold">${esc(x.saleDate ?? 'market')}</td></tr>`;
  const table = (caption: string, list: Comparable[]) =>
    `<table class="comps"><caption>${caption}</caption><thead><tr><th scope="col">Vehicle</th><th scope="col" class="num">Miles</th><th scope="col" class="num">Price</th><th scope="col" class="num">Adjusted</th><th scope="col" class="num">Weight</th><th scope="col" class="num">Sold</th></tr></thead><tbody>${list.map(row).join('')}</tbody></table>`;
  const rest = comps.slice(COMPS_SHOWN);
  return `${table(rest.length ? `The ${COMPS_SHOWN} comparable sales weighing most in the estimate` : 'Comparable sales behind the estimate', comps.slice(0, COMPS_SHOWN))}${
    rest.length
      ? `<details><summary>The other ${rest.length} comparable sale${rest.length === 1 ? '' : 's'}</summary>${table(`Comparable sales ${COMPS_SHOWN + 1}–${comps.length}`, rest)}</details>`
      : ''
  }`;
}

function detailBody(request: FastifyRequest, o: Opportunity, now: number, watched: boolean | null): string {
  const c = o.costs;
  const comps = o.valuation.comparables ?? [];
  const vehicle = o.vehicle;
  const rows = (pairs: Array<[string, string]>, cls = ' class="num"') =>
    pairs.map(([k, v]) => `<tr><th scope="row">${esc(k)}</th><td${cls}>${v}</td></tr>`).join('');
  const watch =
    watched === null
      ? '<p><a href="/login">Sign in</a> to watch this auction.</p>'
      : `<form method="post" action="/watchlist/${o.id}${watched ? '/delete' : ''}">${csrfField(request)}<button type="submit">${watched ? 'Stop watching' : 'Watch this auction'}</button></form>`;
  return `<p class="status-${esc(o.status)}">${esc(o.status)} · score ${o.score} · ${esc(o.source)} lot ${esc(o.lotId)} · ${esc(o.location.city ?? '')} ${esc(o.location.state)} ${esc(o.location.zip ?? '')}</p>
<p><strong>Time left:</strong> ${esc(timeLeft(o.auctionEndsAt, now))} (ends ${esc(o.auctionEndsAt.slice(0, 16).replace('T', ' '))} UTC)
${o.listingUrl ? ` · <a href="${esc(o.listingUrl)}" rel="noopener noreferrer">Open the auction</a>` : ''}</p>
${watch}
<section><h2>Bid ceiling</h2><p class="big">${money(o.bidCeiling)}</p><p>${o.bidCeiling === null ? 'Even a bid of $0 misses the target profit or ROI.' : `Headroom over the current bid: ${money(o.headroom)}.`}</p></section>
<section><h2>Landed cost</h2><table class="kv">${rows([
    ['Current bid', money(o.currentBid)],
    ["Buyer's premium", money(c.buyerPremium)],
    ['Doc fee', money(c.docFee)],
    [`Transport (${c.transportMiles} mi)`, money(c.transport)],
    ['Recon reserve', money(c.recon)],
    ['Total', `<strong>${money(c.total)}</strong>`],
    ['Estimated sale', money(o.estimatedSalePrice)],
    ['Profit', money(o.profit)],
    ['ROI', `${o.roi.toFixed(1)} %`],
    ['Margin', `${o.margin.toFixed(1)} %`],
  ])}</table></section>
<section><h2>Valuation</h2><p>${money(o.valuation.low)} – ${money(o.valuation.high)} (${esc(o.valuation.method)}, ${o.valuation.sampleSize} comparables, confidence ${o.confidence}, risk ${o.riskScore})</p>
${compsSection(comps)}</section>
<section><h2>VIN decode</h2>${
    vehicle
      ? `<table class="kv">${rows(
          [
            ['VIN', esc(o.vin ?? '')],
            ['Make / model', esc(`${vehicle.make ?? ''} ${vehicle.model ?? ''}`)],
            ['Trim / series', esc(`${vehicle.trim ?? ''} ${vehicle.series ?? ''}`)],
            ['Body', esc(vehicle.bodyClass ?? '—')],
            ['Drive', esc(vehicle.driveType ?? '—')],
            ['Engine', esc(vehicle.engine ?? '—')],
            ['Fuel', esc(vehicle.fuelType ?? '—')],
            ['Decoder', esc(vehicle.decoder)],
          ],
          '',
        )}</table>`
      : `<p>${o.vin ? `VIN ${esc(o.vin)} did not decode.` : 'No VIN on the listing.'}</p>`
  }</section>
<section><h2>Anomalies</h2>${
    o.anomalies.length
      ? `<ul>${o.anomalies
          .map(
            (a) =>
              `<li>${esc(
                typeof a === 'object' && a !== null
                  ? Object.entries(a as Record<string, unknown>)
                      .filter(([, v]) => typeof v !== 'object')
                      .map(([k, v]) => `${k}: ${String(v)}`)
                      .join(', ')
                  : String(a),
              )}</li>`,
          )
          .join('')}</ul>`
      : '<p>None open.</p>'
  }</section>
<section><h2>Provenance</h2><p>From ${esc(o.source)} lot ${esc(o.lotId)}, first seen ${esc(o.createdAt.slice(0, 16).replace('T', ' '))} UTC, last priced ${esc(o.updatedAt.slice(0, 16).replace('T', ' '))} UTC${o.sample ? ' (bundled sample data)' : ''}. Every field's origin: <a href="/api/opportunities/${o.id}/provenance">provenance record</a>.</p></section>`;
}

export async function workspacePages(
  app: FastifyInstance,
  {
    db,
    clock,
    redis,
    env,
    workspace,
    notices,
    allowPrivate,
    emailConfigured,
  }: {
    db: Db;
    clock: Clock;
    redis: RedisHandle | null;
    env: NodeJS.ProcessEnv;
    workspace: Workspace;
    notices?: DealerNotices;
    allowPrivate: boolean;
    /** SMTP_URL is set: the e-mail channel can deliver. */
    emailConfigured: boolean;
  },
): Promise<void> {
  app.addHook('onSend', gzipHtml);
  const sessions = () => app.consoleGuard.sessions;
  const attempts = new QuotaLimiter({
    redis,
    keyPrefix: `${env.RATE_LIMIT_KEY_PREFIX?.trim() || 'dealerscope:rl:'}dealer-login:`,
    points: DEALER_LOGIN_ATTEMPTS_PER_15_MIN,
    durationSec: 15 * 60,
  });
  const searches = new SearchStore(db);
  const guard = protectDealerForm(cookieOf);
  const html = (reply: FastifyReply, status = 200) =>
    allowDealerCss(reply.code(status).type('text/html; charset=utf-8').header('Cache-Control', 'private, no-store'));
  const signedIn = async (request: FastifyRequest, reply: FastifyReply) => {
    const dealer = await workspace.identify(request);
    if (!dealer) {
      await reply.redirect('/login', 303);
      return null;
    }
    return dealer;
  };
  const loginForm = (message: string | null) => `${message ? `<p class="notice" role="alert">${esc(message)}</p>` : ''}
<form method="post" action="/login" class="stack"><label for="apiKey">Dealer API key</label>
<input id="apiKey" name="apiKey" type="password" autocomplete="current-password" required maxlength="200">
<button type="submit">Sign in</button></form><p>Your operator gives you the key when your dealer profile is created.</p>`;

  app.get('/login', async (request, reply) => html(reply).send(await frame(request, 'Sign in', loginForm(null), notices)));

  app.post('/login', { bodyLimit: 4096 }, async (request, reply) => {
    checkOrigin(request);
    const subject = `ip:${request.ip}`;
    const retry = await signInAttempt(attempts, subject);
    if (retry !== null) {
      return html(reply, 429)
        .header('Retry-After', retry)
        .send(await frame(request, 'Sign in', loginForm(`Too many sign-in attempts; try again in ${retry} s.`), notices));
    }
    const body = request.body as Record<string, unknown> | null;
    const key = body && typeof body.apiKey === 'string' ? body.apiKey.trim() : '';
    const dealer = key && key.length <= 200 ? await workspace.store.byApiKey(key) : null;
    if (!dealer) return html(reply, 401).send(await frame(request, 'Sign in', loginForm('That key was not accepted.'), notices));
    await attempts.refund(subject).catch(() => undefined);
    const { token, expiresAt } = await sessions().create(`${DEALER_ACTOR}${dealer.id}`, clock.now());
    reply.setCookie(DEALER_COOKIE, token, {
      httpOnly: true,
      sameSite: 'strict',
      secure: request.protocol === 'https',
      path: '/',
      expires: new Date(expiresAt),
    });
    return reply.redirect('/', 303);
  });

  app.post('/logout', { preHandler: guard, bodyLimit: 4096 }, async (request, reply) => {
    await sessions().destroy(cookieOf(request));
    reply.clearCookie(DEALER_COOKIE, { path: '/', httpOnly: true, sameSite: 'strict', secure: request.protocol === 'https' });
    return reply.redirect('/login', 303);
  });

  app.get('/o/:id', async (request, reply) => {
    const raw = (request.params as { id: string }).id;
    const dealer = await workspace.identify(request);
    const found = /^[1-9][0-9]{0,14}$/.test(raw) ? await workspace.reads.detail(dealer, Number(raw)) : null;
    if (!found)
      return html(reply, 404).send(
        await frame(request, 'Not found', `<p>No opportunity ${esc(raw.slice(0, 20))}. <a href="/">Back to the list</a></p>`, notices),
      );
    const o = found.opportunity;
    const watched = dealer ? (await searches.watched(dealer.id)).includes(o.id) : null;
    return html(reply).send(
      await frame(
        request,
        `${o.year} ${o.make} ${o.model}${o.trim ? ` ${o.trim}` : ''}`,
        detailBody(request, o, clock.now(), watched),
        notices,
      ),
    );
  });

  // A refused search is answered with this page and its reasons (400), never by a redirect that
  // carries the text in the URL: a link could then show a dealer any words as the site's own.
  const searchesPage = async (request: FastifyRequest, reply: FastifyReply, dealer: Dealer, error?: string) => {
    const list = await searches.list(dealer.id);
    const message = error ? `<p class="notice" role="alert">${esc(error)}</p>` : '';
    const items = list
      .map(
        (s) => `<li><strong>${esc(s.name)}</strong> — ${esc(
          Object.entries(s.filters)
            .map(([k, v]) => `${k}=${v}`)
            .join(', ') || 'everything',
        )} · ${esc(s.channels.join(' + '))} · every ${s.minIntervalMinutes} min at most
<form method="post" action="/searches/${s.id}/delete" class="inline">${csrfField(request)}<button type="submit">Delete</button></form></li>`,
      )
      .join('');
    const field = (name: string, label: string, attrs = '') => `<label>${label}<input name="${name}" ${attrs}></label>`;
    return html(reply, error ? 400 : 200).send(
      await frame(
        request,
        'Saved searches',
        `${message}<ul class="cards">${items || '<li>No saved searches yet.</li>'}</ul>
<h2>New search</h2><form method="post" action="/searches" class="stack">${csrfField(request)}
${field('name', 'Name', 'required maxlength="100"')}${field('state', 'State', 'maxlength="2"')}${field('make', 'Make', 'maxlength="64"')}${field('minProfit', 'Min profit $', 'inputmode="numeric"')}${field('minHeadroom', 'Min headroom $', 'inputmode="numeric"')}
${field('webhookUrl', 'Webhook URL (Slack-compatible)', 'type="url"')}
<fieldset><legend>Alert me by</legend><label class="row"><input type="checkbox" name="webhook" value="1"> webhook</label><label class="row"><input type="checkbox" name="email" value="1"> e-mail${dealer.email ? ` (${esc(dealer.email)})` : ' (add an e-mail to your profile first)'}</label></fieldset>
${field('minIntervalMinutes', 'At most one alert every (minutes)', 'inputmode="numeric" value="5"')}
<button type="submit">Save search</button></form>`,
        notices,
      ),
    );
  };

  app.get('/searches', async (request, reply) => {
    const dealer = await signedIn(request, reply);
    if (!dealer) return reply;
    return searchesPage(request, reply, dealer);
  });

  app.post('/searches', { preHandler: guard, bodyLimit: 16 * 1024 }, async (request, reply) => {
    const dealer = await signedIn(request, reply);
    if (!dealer) return reply;
    const b = (request.body ?? {}) as Record<string, string>;
    const filters = Object.fromEntries(
      ['state', 'make', 'minProfit', 'minHeadroom']
        .filter((k) => typeof b[k] === 'string' && b[k].trim() !== '')
        .map((k) => [k, b[k]!.trim()]),
    );
    const body: Record<string, unknown> = {
      name: b.name ?? '',
      filters,
      channels: [...(b.webhook ? ['webhook'] : []), ...(b.email ? ['email'] : [])],
    };
    if (b.webhookUrl?.trim()) body.webhookUrl = b.webhookUrl.trim();
    if (b.minIntervalMinutes?.trim()) body.minIntervalMinutes = Number(b.minIntervalMinutes);
    try {
      await searches.create(dealer.id, await parseSearch(body, { allowPrivate, dealerEmail: dealer.email, emailConfigured }), clock.now());
    } catch (err) {
      if (!(err instanceof ProfileError)) throw err;
      return searchesPage(request, reply, dealer, err.errors.map((e) => `${e.field}: ${e.message}`).join('; '));
    }
    return reply.redirect('/searches', 303);
  });

  app.post('/searches/:id/delete', { preHandler: guard, bodyLimit: 4096 }, async (request, reply) => {
    const dealer = await signedIn(request, reply);
    if (!dealer) return reply;
    const id = (request.params as { id: string }).id;
    if (/^[1-9][0-9]{0,14}$/.test(id)) await searches.remove(dealer.id, Number(id));
    return reply.redirect('/searches', 303);
  });

  app.get('/watchlist', async (request, reply) => {
    const dealer = await signedIn(request, reply);
    if (!dealer) return reply;
    const ids = await searches.watched(dealer.id);
    const items = await workspace.reads.some(dealer, ids);
    const now = clock.now();
    const cards = items
      .map(({ opportunity: o }) => {
        const left = timeLeft(o.auctionEndsAt, now);
        return `<li><a href="/o/${o.id}">${esc(`${o.year} ${o.make} ${o.model}`)}</a> · bid ${money(o.currentBid)} · ceiling ${money(o.bidCeiling)} · ${esc(left === 'ended' ? left : `${left} left`)}
<form method="post" action="/watchlist/${o.id}/delete" class="inline">${csrfField(request)}<button type="submit">Remove</button></form></li>`;
      })
      .join('');
    return html(reply).send(
      await frame(
        request,
        'Watchlist',
        `<ul class="cards">${cards || '<li>Nothing watched yet: open an opportunity and choose “Watch this auction”.</li>'}</ul>
<p>You are alerted when a watched bid changes, when it passes your bid ceiling, and one hour before the auction ends.</p>`,
        notices,
      ),
    );
  });

  app.post('/watchlist/:id', { preHandler: guard, bodyLimit: 4096 }, async (request, reply) => {
    const dealer = await signedIn(request, reply);
    if (!dealer) return reply;
    const id = (request.params as { id: string }).id;
    const found = /^[1-9][0-9]{0,14}$/.test(id) ? await workspace.reads.detail(dealer, Number(id)) : null;
    if (found) await searches.watch(dealer.id, found.opportunity.id, Number(found.row.current_bid_cents), clock.now());
    return reply.redirect(found ? `/o/${found.opportunity.id}` : '/watchlist', 303);
  });

  app.post('/watchlist/:id/delete', { preHandler: guard, bodyLimit: 4096 }, async (request, reply) => {
    const dealer = await signedIn(request, reply);
    if (!dealer) return reply;
    const id = (request.params as { id: string }).id;
    if (/^[1-9][0-9]{0,14}$/.test(id)) await searches.unwatch(dealer.id, Number(id));
    return reply.redirect('/watchlist', 303);
  });
}
