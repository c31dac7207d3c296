// Saved searches and the watchlist in the database, and the checks on what a dealer saves.
import type { Kysely } from 'kysely';
import { checkDestinationResolved, InvalidDestinationError } from '../notifications/index.js';
import { type ListFilters, parseListQuery } from '../opportunities/index.js';
import type { Db } from '../storage/index.js';
import { ProfileError, type FieldError } from './profile.js';
import { dealerDb } from './store.js';
import type { DealerTables } from './tables.js';

export type Channel = 'webhook' | 'email';

export interface SavedSearch {
  id: number;
  name: string;
  filters: Record<string, string>;
  channels: Channel[];
  webhookUrl: string | null;
  minIntervalMinutes: number;
  lastAlertAt: string | null;
  createdAt: string;
}

const NOT_FILTERS = new Set(['page', 'cursor', 'limit', 'sort']);
const FIELDS = new Set(['name', 'filters', 'channels', 'webhookUrl', 'minIntervalMinutes']);

/** A search's filters as list filters; the stored text was checked on save, so this only re-reads it. */
export function filtersOf(stored: Record<string, string>): ListFilters {
  const parsed = parseListQuery(stored, false);
  return parsed.ok ? parsed.query.filters : {};
}

/** Checks a saved search (filters by the list API's strict rules); throws ProfileError naming fields. */
export async function parseSearch(
  body: unknown,
  ctx: { allowPrivate: boolean; dealerEmail: string | null; emailConfigured: boolean },
): Promise<Omit<SavedSearch, 'id' | 'lastAlertAt' | 'createdAt'>> {
  const errors: FieldError[] = [];
  const fail = (field: string, message: string) => errors.push({ field, message });
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new ProfileError([{ field: 'body', message: 'must be a JSON object' }]);
  const raw = body as Record<string, unknown>;
  for (const k of Object.keys(raw)) if (!FIELDS.has(k)) fail(k, 'unknown field');
  const name = typeof raw.name === 'string' ? raw.name.trim() : '';
  if (!name || name.length > 100 || /[\u0000-\u001f\u007f]/.test(name)) fail('name', 'must be 1–100 printable characters');

  const filters: Record<string, string> = {};
  if (raw.filters !== undefined && (raw.filters === null || typeof raw.filters !== 'object' || Array.isArray(raw.filters)))
    fail('filters', 'must be an object of list filters');
  else {
    for (const [k, v] of Object.entries((raw.filters ?? {}) as Record<string, unknown>)) {
      if (NOT_FILTERS.has(k)) fail(`filters.${k}`, 'is not a filter');
      else if (typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v))) filters[k] = String(v);
      else fail(`filters.${k}`, 'must be a string or number');
    }
    const parsed = parseListQuery(filters, true);
    if (!parsed.ok) for (const e of parsed.errors) fail(`filters.${e.field}`, e.message);
  }

  const channels: Channel[] = [];
  if (!Array.isArray(raw.channels) || raw.channels.length === 0) fail('channels', 'must list "webhook" and/or "email"');
  else
    for (const c of raw.channels as unknown[]) {
      if (c !== 'webhook' && c !== 'email') fail('channels', `"${String(c).slice(0, 20)}" is not a channel (webhook, email)`);
      else if (!channels.includes(c)) channels.push(c);
    }
  let webhookUrl: string | null = null;
  if (raw.webhookUrl !== undefined && raw.webhookUrl !== null) {
    if (typeof raw.webhookUrl !== 'string' || raw.webhookUrl.length > 2000) fail('webhookUrl', 'must be a URL');
    else {
      webhookUrl = raw.webhookUrl.trim();
      try {
        await checkDestinationResolved({ kind: 'webhook', url: webhookUrl }, ctx.allowPrivate);
      } catch (err) {
        if (!(err instanceof InvalidDestinationError)) throw err;
        fail('webhookUrl', err.message);
      }
    }
  }
  if (channels.includes('webhook') && raw.webhookUrl == null) fail('webhookUrl', 'is required for the webhook channel');
  if (channels.includes('email') && !ctx.dealerEmail) fail('channels', 'e-mail alerts need an email on the profile (PATCH /api/me)');
  // Accepted, it would sit in the outbox retrying until it gave up: say so now instead.
  else if (channels.includes('email') && !ctx.emailConfigured)
    fail('channels', 'this service sends no e-mail (SMTP_URL is not set); use the webhook channel or ask the operator');
  let minIntervalMinutes = 5;
  if (raw.minIntervalMinutes !== undefined) {
    const m = raw.minIntervalMinutes;
    if (typeof m !== 'number' || !Number.isInteger(m) || m < 1 || m > 10_080) fail('minIntervalMinutes', 'must be an integer 1–10080');
    else minIntervalMinutes = m;
  }
  if (errors.length) throw new ProfileError(errors);
  return { name, filters, channels, webhookUrl, minIntervalMinutes };
}

const iso = (ms: number | null) => (ms === null ? null : new Date(Number(ms)).toISOString());

export class SearchStore {
  constructor(private readonly db: Db) {}

  private get h(): Kysely<DealerTables> {
    return dealerDb(this.db);
  }

  async create(dealerId: number, s: Omit<SavedSearch, 'id' | 'lastAlertAt' | 'createdAt'>, now: number): Promise<SavedSearch> {
    const row = await this.h
      .insertInto('dealer_searches')
      .values({
        dealer_id: dealerId,
        name: s.name,
        filters_json: JSON.stringify(s.filters),
        channels_json: JSON.stringify(s.channels),
        webhook_url: s.webhookUrl,
        min_interval_minutes: s.minIntervalMinutes,
        last_alert_at: null,
        created_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { id: Number(row.id), ...s, lastAlertAt: null, createdAt: iso(now) as string };
  }

  async list(dealerId: number): Promise<SavedSearch[]> {
    const rows = await this.h.selectFrom('dealer_searches').selectAll().where('dealer_id', '=', dealerId).orderBy('id').execute();
    return rows.map((r) => ({
      id: Number(r.id),
      name: r.name,
      filters: JSON.parse(r.filters_json) as Record<string, string>,
      channels: JSON.parse(r.channels_json) as Channel[],
      webhookUrl: r.webhook_url,
      minIntervalMinutes: r.min_interval_minutes,
      lastAlertAt: iso(r.last_alert_at),
      createdAt: iso(r.created_at) as string,
    }));
  }

  async remove(dealerId: number, id: number): Promise<boolean> {
    await this.h
      .deleteFrom('dealer_search_hits')
      .where('search_id', '=', id)
      .where('search_id', 'in', (eb) => eb.selectFrom('dealer_searches').select('id').where('dealer_id', '=', dealerId))
      .execute();
    const res = await this.h.deleteFrom('dealer_searches').where('id', '=', id).where('dealer_id', '=', dealerId).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  async watch(dealerId: number, opportunityId: number, bidCents: number, now: number): Promise<void> {
    await this.h
      .insertInto('dealer_watchlist')
      .values({
        dealer_id: dealerId,
        opportunity_id: opportunityId,
        last_bid_cents: bidCents,
        past_ceiling: 0,
        ending_alerted: 0,
        created_at: now,
      })
      .onConflict((oc) => oc.columns(['dealer_id', 'opportunity_id']).doNothing())
      .execute();
  }

  async unwatch(dealerId: number, opportunityId: number): Promise<boolean> {
    const res = await this.h
      .deleteFrom('dealer_watchlist')
      .where('dealer_id', '=', dealerId)
      .where('opportunity_id', '=', opportunityId)
      .executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  async watched(dealerId: number): Promise<number[]> {
    const rows = await this.h
      .selectFrom('dealer_watchlist')
      .select('opportunity_id')
      .where('dealer_id', '=', dealerId)
      .orderBy('created_at')
      .execute();
    return rows.map((r) => Number(r.opportunity_id));
  }
}
