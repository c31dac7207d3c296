// Where a dealer's alerts go: a saved search's own channels, the watchlist's (the dealer's e-mail
// and the webhooks of the dealer's saved searches), and every dealer's for the incidents' notices.
import type { Kysely } from 'kysely';
import type { Destination } from '../notifications/index.js';
import type { Dealer } from './profile.js';
import type { Channel } from './searches.js';
import type { DealerTables } from './tables.js';

export function searchDestinations(channels: Channel[], webhookUrl: string | null, dealer: Dealer): Destination[] {
  const out: Destination[] = [];
  if (channels.includes('webhook') && webhookUrl) out.push({ kind: 'webhook', url: webhookUrl });
  if (channels.includes('email') && dealer.email) out.push({ kind: 'email', address: dealer.email });
  return out;
}

/** Watchlist alerts go to the dealer's e-mail and the webhooks of the dealer's saved searches that send to one. */
export async function watchDestinations(h: Kysely<DealerTables>, dealer: Dealer): Promise<Destination[]> {
  const rows = await h
    .selectFrom('dealer_searches')
    .select(['webhook_url', 'channels_json'])
    .where('dealer_id', '=', dealer.id)
    .where('webhook_url', 'is not', null)
    .execute();
  // Only the searches that send to their webhook: a URL kept on an e-mail-only search is not one the dealer chose to hear at.
  const hooks = new Set(
    rows.filter((r) => (JSON.parse(r.channels_json) as Channel[]).includes('webhook')).map((r) => r.webhook_url as string),
  );
  return [
    ...[...hooks].map((url) => ({ kind: 'webhook' as const, url })),
    ...(dealer.email ? [{ kind: 'email' as const, address: dealer.email }] : []),
  ];
}

/** Where dealers who set up alerts (saved searches, the watchlist) want to hear: the incidents' dealer notices use it. */
export async function alertDestinations(h: Kysely<DealerTables>): Promise<Destination[]> {
  const rows = await h
    .selectFrom('dealer_searches')
    .innerJoin('dealers', 'dealers.id', 'dealer_searches.dealer_id')
    .select(['dealer_searches.webhook_url', 'dealer_searches.channels_json', 'dealers.email'])
    .where('dealers.revoked_at', 'is', null)
    .execute();
  const out = new Map<string, Destination>();
  for (const r of rows) {
    const channels = JSON.parse(r.channels_json) as Channel[];
    if (channels.includes('webhook') && r.webhook_url) out.set(`w:${r.webhook_url}`, { kind: 'webhook', url: r.webhook_url });
    if (channels.includes('email') && r.email) out.set(`e:${r.email}`, { kind: 'email', address: r.email });
  }
  // A dealer alerted only through the watchlist hears there too: at the dealer's e-mail.
  const watching = await h
    .selectFrom('dealer_watchlist')
    .innerJoin('dealers', 'dealers.id', 'dealer_watchlist.dealer_id')
    .select('dealers.email')
    .distinct()
    .where('dealers.revoked_at', 'is', null)
    .where('dealers.email', 'is not', null)
    .execute();
  for (const r of watching) out.set(`e:${r.email}`, { kind: 'email', address: r.email as string });
  return [...out.values()];
}
