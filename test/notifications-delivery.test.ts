// The one delivery path for webhooks and e-mail against real receivers (an HTTP endpoint and an
// SMTP server on 127.0.0.1) on both dialects: Slack-compatible JSON, mail through SMTP_URL,
// retries with backoff recorded per attempt, a breaker per endpoint, a failing or hanging
// endpoint never holding up another, nothing lost across a restart, private addresses refused.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FlagService } from '../src/flags/flag-service.js';
import { InvalidDestinationError, notificationSettings, Notifications } from '../src/notifications/index.js';
import { BreakerRegistry } from '../src/resilience/breakers.js';
import { ManualClock } from '../src/common/clock.js';
import { seededRandom } from '../src/common/random.js';
import { createTestDb, requirePostgres, type TestDb } from './support/databases.js';
import { startSmtpSink, startWebhookSink, type SmtpSink, type WebhookSink } from './support/sinks.js';
import { waitFor } from './support/wait-for.js';

const pgOk = await requirePostgres();

describe.each([
  { dialect: 'sqlite' as const, run: true },
  { dialect: 'postgres' as const, run: pgOk },
])('notifications on $dialect', ({ dialect, run }) => {
  let tdb: TestDb;
  let hook: WebhookSink;
  let smtp: SmtpSink;
  const started: Notifications[] = [];

  beforeAll(async () => {
    if (!run) return;
    tdb = await createTestDb(dialect);
    hook = await startWebhookSink();
    smtp = await startSmtpSink();
  });
  afterEach(async () => {
    for (const n of started.splice(0)) await n.stop();
    if (run) await tdb.db.kysely.withTables<{ notification_outbox: { id: number } }>().deleteFrom('notification_outbox').execute();
  });
  afterAll(async () => {
    if (!run) return;
    await hook.close();
    await smtp.close();
    await tdb.drop();
  });

  function service(clock: ManualClock, env: Record<string, string> = {}) {
    const flags = new FlagService({ env: 'development' });
    const breakers = new BreakerRegistry({ flags, clock });
    const n = new Notifications({
      db: tdb.db,
      clock,
      random: seededRandom(3),
      settings: notificationSettings({
        SMTP_URL: smtp.url,
        ALERT_WEBHOOK_ALLOW_PRIVATE: 'true',
        NOTIFY_TIMEOUT_MS: '5000',
        NOTIFY_BACKOFF_MS: '1000',
        NOTIFY_MAX_BACKOFF_MS: '8000',
        NOTIFY_MAX_ATTEMPTS: '4',
        ...env,
      }),
      breakerFor: (name) => breakers.get(name, name.startsWith('smtp:') ? { consecutiveFailures: 5 } : {}),
    });
    started.push(n);
    return { n, breakers };
  }
  const rows = () =>
    tdb.db.kysely
      .withTables<{
        notification_outbox: {
          id: number;
          status: string;
          attempts: number;
          last_error: string | null;
          next_attempt_at: number;
          target: string;
          purpose: string;
        };
      }>()
      .selectFrom('notification_outbox')
      .selectAll()
      .orderBy('id')
      .execute();

  it.runIf(run)('posts Slack-compatible JSON to a webhook and mails through SMTP_URL, recording each delivery', async () => {
    const clock = new ManualClock(1_000_000);
    const { n } = service(clock);
    const before = hook.received.length;
    await n.enqueue([
      {
        to: { kind: 'webhook', url: `${hook.url}/ok` },
        subject: 'Subject A',
        text: 'Text A',
        fields: { incident: 7 },
        topic: 't:1',
        purpose: 'step:1',
      },
      { to: { kind: 'email', address: 'oncall@example.com' }, subject: 'Subject B', text: 'Text B body', topic: 't:1', purpose: 'step:2' },
    ]);
    await n.drain();
    const got = hook.received.slice(before);
    expect(got).toHaveLength(1);
    expect(got[0]!.body).toEqual({ text: 'Text A', incident: 7 });
    const mail = smtp.mails.find((m) => m.subject === 'Subject B');
    expect(mail?.to).toEqual(['oncall@example.com']);
    expect(mail?.text).toContain('Text B body');
    const list = await n.list({ topic: 't:1' });
    expect(list.map((d) => [d.purpose, d.status, d.attempts])).toEqual([
      ['step:2', 'delivered', 1],
      ['step:1', 'delivered', 1],
    ]);
    // Webhook paths carry secrets: the listing shows the origin only.
    expect(list.find((d) => d.kind === 'webhook')!.target).toBe(`${hook.url}/…`);
  });

  it.runIf(run)('retries a failing endpoint with growing backoff, records every attempt, delivers when it recovers', async () => {
    const clock = new ManualClock(2_000_000);
    const { n } = service(clock);
    hook.behave('/flaky', 503);
    await n.enqueue([{ to: { kind: 'webhook', url: `${hook.url}/flaky` }, subject: 's', text: 'flaky one', topic: 't:2', purpose: 'p' }]);
    const delays: number[] = [];
    for (let i = 0; i < 2; i++) {
      await n.drain();
      const [r] = await rows();
      expect(r!.status).toBe('pending');
      expect(r!.attempts).toBe(i + 1);
      expect(r!.last_error).toBe('webhook answered HTTP 503');
      delays.push(Number(r!.next_attempt_at) - clock.now());
      // Not due yet: a pass now sends nothing.
      const requests = hook.requests;
      await n.drain();
      expect(hook.requests).toBe(requests);
      clock.advance(delays[i]!);
    }
    // Equal jitter around 1 s then 2 s (NOTIFY_BACKOFF_MS=1000, doubling).
    expect(delays[0]).toBeGreaterThanOrEqual(500);
    expect(delays[0]).toBeLessThanOrEqual(1000);
    expect(delays[1]).toBeGreaterThanOrEqual(1000);
    expect(delays[1]).toBeLessThanOrEqual(2000);
    hook.behave('/flaky', 200);
    await n.drain();
    const [r] = await rows();
    expect([r!.status, r!.attempts, r!.last_error]).toEqual(['delivered', 3, null]);
    expect(hook.received.filter((x) => x.path === '/flaky')).toHaveLength(1);
  });

  it.runIf(run)('parks a message after its last attempt, and at once on a permanent refusal; a parked one can be retried', async () => {
    const clock = new ManualClock(3_000_000);
    const { n } = service(clock);
    hook.behave('/gone', 404);
    hook.behave('/down', 500);
    await n.enqueue([
      { to: { kind: 'webhook', url: `${hook.url}/gone` }, subject: 's', text: 'to a revoked hook', topic: 't:3', purpose: 'p' },
    ]);
    await n.drain();
    let [r] = await rows();
    expect([r!.status, r!.attempts, r!.last_error]).toEqual(['dead', 1, 'webhook answered HTTP 404']);
    hook.behave('/gone', 200);
    expect(await n.retry(r!.id)).toBe(true);
    expect(await n.retry(r!.id)).toBe(false);
    await n.drain();
    [r] = await rows();
    expect(r!.status).toBe('delivered');
  });

  it.runIf(run)('a hanging endpoint and an open breaker hold up nobody else; the breaker refuses without calling', async () => {
    const clock = new ManualClock(4_000_000);
    const { n, breakers } = service(clock, { NOTIFY_MAX_ATTEMPTS: '50', NOTIFY_TIMEOUT_MS: '3000' });
    hook.behave('/hang', 'hang');
    // Five messages to a dead host (a port nothing listens on) open its breaker.
    const dead = 'http://127.0.0.1:9/dead';
    await n.enqueue(
      Array.from({ length: 7 }, (_, i) => ({
        to: { kind: 'webhook' as const, url: dead },
        subject: 's',
        text: `dead ${i}`,
        topic: 't:4',
        purpose: 'p',
      })),
    );
    await n.enqueue([{ to: { kind: 'webhook', url: `${hook.url}/hang` }, subject: 's', text: 'hangs', topic: 't:4', purpose: 'p' }]);
    await n.enqueue([
      {
        to: { kind: 'email', address: 'ops@example.com' },
        subject: 'Beside the failures',
        text: 'still arrives',
        topic: 't:4',
        purpose: 'p',
      },
    ]);
    const hangsBefore = hook.hangsEnded.length;
    const t0 = Date.now();
    await n.drain();
    const took = Date.now() - t0;
    // The hang is cut at NOTIFY_TIMEOUT_MS (3 s), not earlier; the mail, on another endpoint,
    // arrives while the hanging request is still open (an order of events, not a stopwatch).
    expect(took).toBeGreaterThanOrEqual(3000);
    const mail = smtp.mails.find((m) => m.subject === 'Beside the failures');
    const hangEnded = await waitFor('the hanging request closed by the worker', () => hook.hangsEnded[hangsBefore]);
    expect(mail!.at).toBeLessThan(hangEnded);
    const all = await rows();
    const deadRows = all.filter((x) => x.target === dead);
    expect(deadRows.every((x) => x.status === 'pending' && x.attempts === 1)).toBe(true);
    expect(breakers.get('webhook:127.0.0.1:9').state()).toBe('open');
    expect(deadRows.filter((x) => /circuit open/.test(x.last_error ?? ''))).toHaveLength(2);
    const hung = all.find((x) => x.target.endsWith('/hang'))!;
    expect([hung.status, hung.last_error]).toEqual(['pending', 'no answer within 3000 ms']);
  });

  it.runIf(run)(
    'nothing is lost across a restart: a new worker delivers what the stopped one left, including an attempt cut short',
    async () => {
      const clock = new ManualClock(5_000_000);
      const first = service(clock).n;
      await first.enqueue([
        { to: { kind: 'webhook', url: `${hook.url}/restart` }, subject: 's', text: 'left behind', topic: 't:5', purpose: 'p' },
      ]);
      await first.stop();
      // A claim whose worker died mid-send: the row stays `sending` until its claim runs out.
      await tdb.db.kysely
        .withTables<{ notification_outbox: { id: number; status: string; claimed_by: string | null; claim_expires_at: number | null } }>()
        .updateTable('notification_outbox')
        .set({ status: 'sending', claimed_by: 'crashed-worker', claim_expires_at: clock.now() + 10_000 })
        .execute();
      const second = service(clock).n;
      await second.drain();
      expect(hook.received.filter((x) => x.path === '/restart')).toHaveLength(0);
      clock.advance(10_000);
      await second.drain();
      expect(hook.received.filter((x) => x.path === '/restart')).toHaveLength(1);
      expect((await rows())[0]!.status).toBe('delivered');
    },
  );

  it.runIf(run)('two workers on one database send each message once', async () => {
    const clock = new ManualClock(6_000_000);
    const a = service(clock).n;
    const b = service(clock).n;
    const before = hook.received.filter((x) => x.path === '/once').length;
    await a.enqueue(
      Array.from({ length: 30 }, (_, i) => ({
        to: { kind: 'webhook' as const, url: `${hook.url}/once` },
        subject: 's',
        text: `m${i}`,
        topic: 't:6',
        purpose: 'p',
      })),
    );
    await Promise.all([a.drain(), b.drain(), a.drain(), b.drain()]);
    const got = hook.received
      .filter((x) => x.path === '/once')
      .slice(before)
      .map((x) => x.body.text);
    expect(got.sort()).toEqual(Array.from({ length: 30 }, (_, i) => `m${i}`).sort());
  });

  it.runIf(run)('refuses private and loopback webhooks unless allowed, and bad addresses, before anything is stored', async () => {
    const clock = new ManualClock(7_000_000);
    const { n } = service(clock, { ALERT_WEBHOOK_ALLOW_PRIVATE: 'false' });
    for (const url of [
      'http://127.0.0.1:8080/x',
      'http://localhost/x',
      'http://10.1.2.3/x',
      'http://[::1]/x',
      'http://192.168.0.4/x',
      'ftp://example.com/x',
    ]) {
      await expect(
        n.enqueue([{ to: { kind: 'webhook', url }, subject: 's', text: 't', topic: 't:7', purpose: 'p' }]),
        url,
      ).rejects.toBeInstanceOf(InvalidDestinationError);
    }
    await expect(
      n.enqueue([{ to: { kind: 'email', address: 'not an address' }, subject: 's', text: 't', topic: 't:7', purpose: 'p' }]),
    ).rejects.toThrow(/not an e-mail address/);
    expect(await rows()).toEqual([]);
    expect(() => notificationSettings({ ALERT_WEBHOOK_ALLOW_PRIVATE: 'yes' })).toThrow(/ALERT_WEBHOOK_ALLOW_PRIVATE must be true or false/);
    expect(() => notificationSettings({ SMTP_URL: 'mail.example.com' })).toThrow(/SMTP_URL/);
  });

  it.runIf(run)('a repeated dedupe key is enqueued once', async () => {
    const clock = new ManualClock(8_000_000);
    const { n } = service(clock);
    const m = {
      to: { kind: 'webhook' as const, url: `${hook.url}/dedupe` },
      subject: 's',
      text: 't',
      topic: 't:8',
      purpose: 'p',
      dedupeKey: 'k1',
    };
    expect(await n.enqueue([m])).toHaveLength(1);
    expect(await n.enqueue([m])).toHaveLength(0);
    expect(await rows()).toHaveLength(1);
  });
});
