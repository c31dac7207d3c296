// Console sessions kept server-side (table `console_sessions`), so any replica accepts a session
// any other replica issued and logout ends it everywhere. The cookie carries 32 random bytes; the
// table holds only their SHA-256, so a leaked table cannot be replayed as cookies.
import { envInt } from '../common/env.js';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Db } from '../storage/index.js';

export const SESSION_COOKIE = 'ds_session';
export const DEFAULT_SESSION_TTL_MS = 8 * 60 * 60 * 1000;
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

const hashSession = (token: string) => createHash('sha256').update(token).digest('hex');

export interface Session {
  actor: string;
  expiresAt: number;
}

export function sessionTtlMs(env: NodeJS.ProcessEnv): number {
  return envInt(env, 'CONSOLE_SESSION_TTL_MINUTES', DEFAULT_SESSION_TTL_MS / 60_000, 1, 7 * 24 * 60) * 60_000;
}

/** Emits 'ended' with the session's hash when this process ends a session (sign-out). */
export class SessionStore extends EventEmitter {
  constructor(
    private readonly db: Db,
    private readonly ttlMs: number,
    private readonly csrfSecret: string,
  ) {
    super();
    // Every open event stream of a session listens; the count is bounded by the streams, not a leak.
    this.setMaxListeners(0);
  }

  /** Stable identifier of a session for listeners; never the cookie itself. */
  static idOf(token: string): string {
    return hashSession(token);
  }

  async create(actor: string, now: number): Promise<{ token: string; expiresAt: number }> {
    // Expired rows are dropped as new ones arrive, so the table stays the size of live sessions.
    await this.db.kysely.deleteFrom('console_sessions').where('expires_at', '<=', now).execute();
    const token = randomBytes(32).toString('base64url');
    const expiresAt = now + this.ttlMs;
    await this.db.kysely
      .insertInto('console_sessions')
      .values({ id_hash: hashSession(token), actor, created_at: now, expires_at: expiresAt })
      .execute();
    return { token, expiresAt };
  }

  async find(token: string | undefined, now: number): Promise<Session | null> {
    if (!token || !TOKEN_SHAPE.test(token)) return null;
    const row = await this.db.kysely
      .selectFrom('console_sessions')
      .select(['actor', 'expires_at'])
      .where('id_hash', '=', hashSession(token))
      .executeTakeFirst();
    if (!row || Number(row.expires_at) <= now) return null;
    return { actor: row.actor, expiresAt: Number(row.expires_at) };
  }

  async destroy(token: string | undefined): Promise<void> {
    if (!token || !TOKEN_SHAPE.test(token)) return;
    const id = hashSession(token);
    await this.db.kysely.deleteFrom('console_sessions').where('id_hash', '=', id).execute();
    this.emit('ended', id);
  }

  /** The CSRF token bound to a session: an HMAC of the session cookie under a secret shared by every replica. */
  csrfFor(token: string): string {
    return createHmac('sha256', this.csrfSecret).update(`csrf:${token}`).digest('base64url');
  }
}
