// The dealer workspace as the rest of the service sees it: who is asking (a dealer key or a
// dealer session), the profile store, and reads with that dealer's personal numbers.
import type { FastifyRequest } from 'fastify';
import { defaultArbitrageParams, type ArbitrageParams } from '../config/index.js';
import type { Clock } from '../common/clock.js';
import type { Db } from '../storage/index.js';
import { SessionStore } from '../security/index.js';
import type { Dealer } from './profile.js';
import { WorkspaceReads } from './reads.js';
import { DealerStore } from './store.js';

export const DEALER_COOKIE = 'ds_dealer';
/** Dealer sessions live beside console sessions; the actor prefix keeps the two apart. */
export const DEALER_ACTOR = 'dealer:';

declare module 'fastify' {
  interface FastifyRequest {
    /** The dealer behind the request, once identify() has looked (null: none). */
    dealer?: Dealer | null;
    /** The session cookie that identified `dealer` (unset when a key did): its changes need CSRF checks. */
    dealerSession?: string;
  }
}

/** What the workspace reads: storage, time, and the data version its cached reads follow. */
export interface WorkspaceDeps {
  db: Db;
  clock: Clock;
  cache: { dataVersion(): number };
}

export class Workspace {
  readonly store: DealerStore;
  readonly reads: WorkspaceReads;
  readonly params: ArbitrageParams;

  constructor(
    private readonly ctx: WorkspaceDeps,
    params: ArbitrageParams = defaultArbitrageParams(),
  ) {
    this.params = params;
    this.store = new DealerStore(ctx.db, () => ctx.clock.now());
    this.reads = new WorkspaceReads({ db: ctx.db, params, now: () => ctx.clock.now(), dataVersion: () => ctx.cache.dataVersion() });
  }

  /** The dealer a request carries: its X-API-Key, else its dealer session cookie; null for neither. */
  async identify(request: FastifyRequest): Promise<Dealer | null> {
    if (request.dealer !== undefined) return request.dealer;
    let dealer: Dealer | null = null;
    const key = request.headers['x-api-key'];
    if (typeof key === 'string' && key !== '') dealer = await this.store.byApiKey(key);
    else {
      const cookie = request.cookies?.[DEALER_COOKIE];
      const sessions = request.server.consoleGuard?.sessions as SessionStore | undefined;
      const s = typeof cookie === 'string' && sessions ? await sessions.find(cookie, this.ctx.clock.now()) : null;
      if (s?.actor.startsWith(DEALER_ACTOR)) {
        dealer = await this.store.dealer(Number(s.actor.slice(DEALER_ACTOR.length)));
        if (dealer) request.dealerSession = cookie as string;
      }
    }
    request.dealer = dealer;
    return dealer;
  }
}
