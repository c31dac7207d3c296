// Dealer profiles in the database. A dealer's API key is an ordinary dealer key (`dsk_…`, the
// same table and rate-limit quota as other keys); the profile names it by its key id, so a
// request's key finds its dealer with one indexed lookup and revoking the dealer revokes the key.
import type { Kysely } from 'kysely';
import {
  DEFAULT_KEY_QUOTA_PER_MINUTE,
  hashApiKey,
  invalidateKeyLookups,
  issueApiKey,
  looksLikeApiKey,
  rememberedLookup,
  revokeApiKey,
} from '../security/index.js';
import type { Db } from '../storage/index.js';
import {
  DEFAULTS,
  dealerOf,
  parseProfile,
  ProfileError,
  profileOf,
  type Dealer,
  type DealerProfile,
  type DealerRow,
  type ProfileChanges,
} from './profile.js';
import type { DealerTables } from './tables.js';

type Handle = Kysely<DealerTables>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- accepts a transaction of any table set; narrowed by withTables
export const dealerDb = (db: Db | Kysely<any>): Handle => ('kysely' in db ? db.kysely : db).withTables<DealerTables>() as unknown as Handle;

export class DealerStore {
  /** `now`: the clock that times remembered key lookups; without it every lookup asks the database. */
  constructor(
    private readonly db: Db,
    private readonly now?: () => number,
  ) {}

  private get h(): Handle {
    return dealerDb(this.db);
  }

  /** Creates a dealer from an unchecked body; throws ProfileError naming bad fields. The key is returned once. */
  async create(body: unknown, now: number): Promise<{ id: number; apiKey: string; profile: DealerProfile }> {
    const p = parseProfile(body, ['name', 'zip']);
    const issued = await issueApiKey(this.db, `dealer: ${p.name}`, DEFAULT_KEY_QUOTA_PER_MINUTE, now);
    const row = await this.h
      .insertInto('dealers')
      .values({
        name: p.name as string,
        zip: p.zip as string,
        state: p.state as string,
        target_profit_cents: p.targetProfitCents ?? DEFAULTS.targetProfitCents,
        target_roi_bp: p.targetRoiBp ?? DEFAULTS.targetRoiBp,
        max_miles: p.maxMiles ?? null,
        recon_cents: p.reconCents ?? null,
        email: p.email ?? null,
        key_id: issued.keyId,
        version: 1,
        created_at: now,
        updated_at: now,
        revoked_at: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { id: Number(row.id), apiKey: issued.key, profile: profileOf(row as DealerRow) };
  }

  async list(): Promise<DealerProfile[]> {
    const rows = await this.h.selectFrom('dealers').selectAll().orderBy('id').execute();
    return rows.map((r) => profileOf(r as DealerRow));
  }

  async profile(id: number): Promise<DealerProfile | null> {
    const row = await this.h.selectFrom('dealers').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? profileOf(row as DealerRow) : null;
  }

  /** The dealer, while it and its API key are active: a session ends with the key it signed in with. */
  async dealer(id: number): Promise<Dealer | null> {
    const row = await this.db.kysely
      .withTables<DealerTables>()
      .selectFrom('dealers')
      .innerJoin('api_keys', 'api_keys.key_id', 'dealers.key_id')
      .selectAll('dealers')
      .where('dealers.id', '=', id)
      .where('api_keys.revoked_at', 'is', null)
      .where('dealers.revoked_at', 'is', null)
      .executeTakeFirst();
    return row ? dealerOf(row as DealerRow) : null;
  }

  /** The active dealer a presented API key belongs to. */
  // One query per request, not two: a dealer's every API call identifies it.
  // Remembered per key for KEY_LOOKUP_TTL_MS (security/api-keys.ts): a revocation or profile change
  // in this process forgets it at once, one elsewhere is seen within that time.
  async byApiKey(key: string): Promise<Dealer | null> {
    if (!looksLikeApiKey(key)) return null;
    return this.now ? rememberedLookup(this.db, 'dealer', key, this.now(), () => this.loadByApiKey(key)) : this.loadByApiKey(key);
  }

  private async loadByApiKey(key: string): Promise<Dealer | null> {
    const row = await this.db.kysely
      .withTables<DealerTables>()
      .selectFrom('dealers')
      .innerJoin('api_keys', 'api_keys.key_id', 'dealers.key_id')
      .selectAll('dealers')
      .where('api_keys.key_hash', '=', hashApiKey(key))
      .where('api_keys.revoked_at', 'is', null)
      .where('dealers.revoked_at', 'is', null)
      .executeTakeFirst();
    return row ? dealerOf(row as DealerRow) : null;
  }

  /** Applies checked changes and bumps the version (personal numbers are cached under it). */
  async update(id: number, body: unknown, now: number): Promise<DealerProfile | null> {
    const p: ProfileChanges = parseProfile(body, []);
    const set: Record<string, unknown> = { updated_at: now };
    if (p.name !== undefined) set.name = p.name;
    if (p.zip !== undefined) Object.assign(set, { zip: p.zip, state: p.state });
    if (p.targetProfitCents !== undefined) set.target_profit_cents = p.targetProfitCents;
    if (p.targetRoiBp !== undefined) set.target_roi_bp = p.targetRoiBp;
    if (p.maxMiles !== undefined) set.max_miles = p.maxMiles;
    if (p.reconCents !== undefined) set.recon_cents = p.reconCents;
    if (p.email !== undefined) set.email = p.email;
    // A search that sends e-mail would go on matching and send nowhere: refused as creating one is.
    if (p.email === null) {
      const mailing = (await this.h.selectFrom('dealer_searches').select(['name', 'channels_json']).where('dealer_id', '=', id).execute())
        .filter((r) => (JSON.parse(r.channels_json) as string[]).includes('email'))
        .map((r) => JSON.stringify(r.name));
      if (mailing.length)
        throw new ProfileError([
          { field: 'email', message: `saved search(es) ${mailing.join(', ')} send e-mail: take e-mail off them, or delete them, first` },
        ]);
    }
    // A PATCH that changes nothing is answered without a write: the version (which drops the
    // dealer's cached personal lists and tells clients the profile moved) follows real changes only.
    const current = await this.h.selectFrom('dealers').selectAll().where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
    if (!current) return null;
    const stored = current as unknown as Record<string, unknown>;
    if (Object.entries(set).every(([k, v]) => k === 'updated_at' || stored[k] === v)) return profileOf(current as DealerRow);
    invalidateKeyLookups(this.db);
    const row = await this.h
      .updateTable('dealers')
      .set((eb) => ({ ...set, version: eb('version', '+', 1) }))
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
    invalidateKeyLookups(this.db);
    return row ? profileOf(row as DealerRow) : null;
  }

  /** Revokes the dealer and its key; false when no active dealer has that id. */
  async revoke(id: number, now: number): Promise<boolean> {
    invalidateKeyLookups(this.db);
    const row = await this.h
      .updateTable('dealers')
      .set({ revoked_at: now, updated_at: now })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .returning('key_id')
      .executeTakeFirst();
    invalidateKeyLookups(this.db);
    if (!row) return false;
    await revokeApiKey(this.db, row.key_id, now);
    return true;
  }
}
