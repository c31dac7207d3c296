// Answers checked against the OpenAPI document's own response schemas: a client generated from
// the document gets exactly these shapes (every documented field present, nothing undocumented).
// Each answer comes from a live app driven through a whole session: for the dealer workspace, a
// dealer created, the profile read and changed, a search saved and alerted on (a real delivery
// to a local webhook), an opportunity watched; for operations, an incident opened, joined,
// escalated to a webhook, acknowledged and resolved, and the outbox listed and retried; for data
// quality, a duplicated VIN flagged and cleared by an operator, a record quarantined, the listing
// contract, the quality report over a recorded scrape, and an opportunity's provenance in both its
// forms; for the rollout, the next gate's report and an attestation recorded, then a whole
// operator session: dry run on and off, an advance refused, a rollback and a forced advance, a
// latched trigger re-armed, the kill switch on and off, and a canary started, judged, stopped and
// its latch re-armed.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultArbitrageParams } from '../src/config/arbitrage.js';
import { openApiDocument } from '../src/http/openapi-document.js';
import { ingestListings } from '../src/ingest/import-service.js';
import { recordSourceRun } from '../src/ingest/scheduler/run-store.js';
import type { ListingInput } from '../src/opportunities/types.js';
import { canaryOf } from '../src/rollout/canary/routes.js';
import { addLatch } from '../src/rollout/state-store.js';
import { buildTestApp, clockFrom, type TestApp } from './support/app.js';
import { createTestDb, type TestDb } from './support/databases.js';
import { makeListings } from './support/listings.js';
import { makeVin } from './support/vins.js';

const TOKEN = 'test-admin-token-0123456789';
const BASE = Date.UTC(2026, 10, 1);
type Json = Record<string, any>;

describe('answers as the OpenAPI document says', () => {
  let tdb: TestDb;
  let t: TestApp;
  let receiver: Server;
  let hookUrl: string;
  /** The receiver answers 500 while this is set, so a delivery fails. */
  let refuse = false;
  let check: (method: string, path: string, status: number, body: unknown) => void;

  beforeAll(async () => {
    const doc = (await openApiDocument()) as Json;
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    ajv.addSchema({ ...doc, $id: 'doc' });
    check = (method, path, status, body) => {
      const pointer = ['paths', path, method, 'responses', String(status), 'content', 'application/json', 'schema']
        .map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1'))
        .join('/');
      const schema = doc.paths[path]?.[method]?.responses?.[String(status)]?.content?.['application/json']?.schema as Json | undefined;
      expect(schema, `${method} ${path} ${status} is documented with a JSON schema`).toBeDefined();
      // A loose object would pass anything: every answer checked here is described field by field,
      // and so is each form of an answer that has several.
      expect(schema!.additionalProperties, `${method} ${path} ${status} is a closed object`).not.toBe(true);
      for (const form of (schema!.oneOf ?? []) as Json[])
        expect(form.additionalProperties, `${method} ${path} ${status}: ${form.description} is closed`).toBe(false);
      const validate = ajv.compile({ $ref: `doc#/${pointer}` });
      expect(validate(body) ? [] : validate.errors, `${method} ${path} ${status}`).toEqual([]);
    };
    receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(refuse ? 500 : 200).end(refuse ? 'no' : 'ok'));
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    tdb = await createTestDb('sqlite');
    t = await buildTestApp(
      tdb.db,
      { ALERT_WEBHOOK_ALLOW_PRIVATE: 'true', ALERT_WEBHOOK_INCIDENTS: `${hookUrl}/incidents`, NOTIFY_MAX_ATTEMPTS: '1' },
      clockFrom(BASE),
    );
  }, 60_000);
  afterAll(async () => {
    await t?.app.close();
    await tdb?.drop();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  const listings = (n: number, prefix: string): ListingInput[] =>
    makeListings(n, 5, prefix).map((l) => ({
      ...l,
      state: 'TX',
      zip: '78701',
      auctionEndsAt: new Date(t.ctx.clock.now() + 5 * 86_400_000),
    }));
  const importNow = (ls: ListingInput[]) =>
    ingestListings(
      tdb.db,
      { accepted: ls.map((listing, i) => ({ row: i + 1, listing })), rejected: [] },
      { origin: 'test', now: t.ctx.clock.now(), params: defaultArbitrageParams() },
    );

  it('profile, dealers, saved searches, alerts with deliveries, and the watchlist', async () => {
    await importNow(listings(20, 'CONF'));
    const asAdmin = (method: 'GET' | 'POST', url: string, payload?: object) =>
      t.app.inject({ method, url, payload, headers: { authorization: `Bearer ${TOKEN}` } });
    const created = await asAdmin('POST', '/admin/dealers', { name: 'Lone Star Motors', zip: '78701', email: 'buyer@example.com' });
    expect(created.statusCode, created.body).toBe(201);
    check('post', '/admin/dealers', 201, created.json());
    const key = created.json().apiKey as string;
    const as = (method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, payload?: object) =>
      t.app.inject({ method, url, payload, headers: { 'x-api-key': key } });
    const answered = async (method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, path: string, status: number, payload?: object) => {
      const res = await as(method, url, payload);
      expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(status);
      check(method.toLowerCase(), path, status, res.json());
      return res.json() as Json;
    };

    const dealers = await asAdmin('GET', '/admin/dealers');
    check('get', '/admin/dealers', 200, dealers.json());
    expect(dealers.json().items).toHaveLength(1);
    await answered('GET', '/api/me', '/api/me', 200);
    const changed = await answered('PATCH', '/api/me', '/api/me', 200, { maxMiles: 400, reconPerVehicle: 900 });
    expect(changed).toMatchObject({ maxMiles: 400, reconPerVehicle: 900 });

    const search = await answered('POST', '/api/me/searches', '/api/me/searches', 201, {
      name: 'Texas trucks',
      filters: { state: 'TX' },
      channels: ['webhook'],
      webhookUrl: hookUrl,
      minIntervalMinutes: 1,
    });
    const searches = await answered('GET', '/api/me/searches', '/api/me/searches', 200);
    expect(searches.items.map((s: Json) => s.id)).toEqual([search.id]);

    // New matching lots, one alert pass and the outbox drained: the alert and its delivery are stored.
    await t.app.dealerAlerts.pass();
    await importNow(listings(3, 'NEWTX'));
    await t.app.dealerAlerts.pass();
    await t.app.notifications.drain();
    const alerts = await answered('GET', '/api/me/alerts', '/api/me/alerts', 200);
    expect(alerts.items.length).toBeGreaterThan(0);
    expect(alerts.items[0].deliveries.length).toBeGreaterThan(0);

    const first = (await t.app.inject({ method: 'GET', url: '/api/opportunities?cursor=&limit=1' })).json().items[0] as Json;
    await answered('PUT', `/api/me/watchlist/${first.id}`, '/api/me/watchlist/{opportunityId}', 200);
    const watched = await answered('GET', '/api/me/watchlist', '/api/me/watchlist', 200);
    expect(watched.items.map((o: Json) => o.id)).toEqual([first.id]);
  });

  it('anomaly flags listed and one cleared as a false positive, and the quarantine listed', async () => {
    const [a, b, bad] = listings(3, 'QUAL');
    const vin = makeVin('1FTFW1E5', 'P', '000001');
    await importNow([
      { ...a!, vin, make: 'Ford', model: 'F-150', year: 2023 },
      { ...b!, source: 'gsa', vin, make: 'Ford', model: 'F-150', year: 2023 },
      { ...bad!, mileage: -5 },
    ]);
    const asAdmin = (url: string, payload?: object) =>
      t.app.inject({ method: payload ? 'POST' : 'GET', url, payload, headers: { authorization: `Bearer ${TOKEN}` } });
    const answered = async (url: string, path: string, payload?: object) => {
      const res = await asAdmin(url, payload);
      expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
      check(payload ? 'post' : 'get', path, 200, res.json());
      return res.json() as Json;
    };
    const flags = await answered('/admin/anomalies?status=open', '/admin/anomalies');
    const duplicate = (flags.items as Json[]).find((f) => f.kind === 'duplicate_vin');
    expect(duplicate, JSON.stringify(flags.items)).toBeDefined();
    const cleared = await answered(`/admin/anomalies/${duplicate!.id}/false-positive`, '/admin/anomalies/{id}/false-positive', {});
    expect(cleared.anomaly.status).toBe('false_positive');
    const held = await answered('/api/quarantine', '/api/quarantine');
    expect(held.items.length).toBeGreaterThan(0);
  });

  it("the rollout's gate, and an attestation recorded and listed", async () => {
    const asAdmin = (url: string, payload?: object) =>
      t.app.inject({ method: payload ? 'POST' : 'GET', url, payload, headers: { authorization: `Bearer ${TOKEN}` } });
    const gate = await asAdmin('/admin/rollout/gate');
    expect(gate.statusCode, gate.body).toBe(200);
    check('get', '/admin/rollout/gate', 200, gate.json());
    expect((gate.json().criteria as Json[]).some((c) => c.kind === 'measured')).toBe(true);
    // Phase 1's gate asks for the runbook to have been walked through: an operator attests it.
    const attestable = { id: 'runbook_validated' };
    const recorded = await asAdmin('/admin/rollout/attestations', {
      criterion: attestable.id,
      evidence: 'https://example.com/pentest-2026-11',
    });
    expect(recorded.statusCode, recorded.body).toBe(201);
    check('post', '/admin/rollout/attestations', 201, recorded.json());
    const listed = await asAdmin('/admin/rollout/attestations');
    check('get', '/admin/rollout/attestations', 200, listed.json());
    expect(listed.json().attestations).toEqual([expect.objectContaining({ criterion: attestable.id })]);
    const after = await asAdmin('/admin/rollout/gate');
    check('get', '/admin/rollout/gate', 200, after.json());
  });

  it('incidents opened, joined, escalated, acknowledged and resolved, and the outbox listed and retried', async () => {
    const asAdmin = (url: string, payload?: object) =>
      t.app.inject({ method: payload ? 'POST' : 'GET', url, payload, headers: { authorization: `Bearer ${TOKEN}` } });
    const answered = async (url: string, path: string, status: number, payload?: object) => {
      const res = await asAdmin(url, payload);
      expect(res.statusCode, `${url}: ${res.body}`).toBe(status);
      check(payload ? 'post' : 'get', path, status, res.json());
      return res.json() as Json;
    };
    const opened = await answered('/admin/incidents', '/admin/incidents', 201, {
      title: 'Listings API slow',
      cause: 'operator:slow-api',
      userFacing: true,
      detail: 'p95 over 2 s',
    });
    await answered('/admin/incidents', '/admin/incidents', 200, { title: 'Listings API slow again', cause: 'operator:slow-api' });
    // The first step's message goes to the incidents webhook: the timeline then holds a delivery.
    await t.app.incidents.tick();
    await t.app.notifications.drain();
    const listed = await answered('/admin/incidents?status=open', '/admin/incidents', 200);
    expect(listed.items[0].timeline.some((e: Json) => e.kind === 'delivery')).toBe(true);
    await answered('/api/status', '/api/status', 200);
    await answered(`/admin/incidents/${opened.incident.id}/ack`, '/admin/incidents/{id}/ack', 200, {});
    await answered(`/admin/incidents/${opened.incident.id}/resolve`, '/admin/incidents/{id}/resolve', 200, { note: 'cache warmed' });
    const outbox = await answered('/admin/notifications', '/admin/notifications', 200);
    expect(outbox.items.length).toBeGreaterThan(0);
    // A message that failed for good can be sent again: the receiver refuses one, then it is retried.
    refuse = true;
    await answered('/admin/incidents', '/admin/incidents', 201, { title: 'Feed stalled', cause: 'operator:feed' });
    await t.app.incidents.tick();
    await t.app.notifications.drain();
    refuse = false;
    const dead = (await asAdmin('/admin/notifications?status=dead')).json().items as Json[];
    expect(dead.length).toBeGreaterThan(0);
    await answered(`/admin/notifications/${dead[0]!.id}/retry`, '/admin/notifications/{id}/retry', 200, {});
  });

  it("the listing contract, the quality report, and an opportunity's provenance as JSON and as PROV-JSON", async () => {
    const answered = async (url: string, path: string) => {
      const res = await t.app.inject({ method: 'GET', url });
      expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
      check('get', path, 200, res.json());
      return res.json() as Json;
    };
    const contract = await answered('/api/contracts/listing', '/api/contracts/listing');
    expect(contract.rules.length).toBeGreaterThan(0);

    // A recorded scrape, so the report's per-source part is there to be checked too.
    const at = t.ctx.clock.now();
    await recordSourceRun(tdb.db, {
      source: 'cityfleet',
      kind: 'govdeals',
      outcome: 'partial',
      startedAt: new Date(at - 60_000).toISOString(),
      durationMs: 30_000,
      pages: 2,
      requests: 3,
      notModified: 0,
      found: 10,
      accepted: 8,
      skipped: 1,
      skippedByReason: { 'not a vehicle': 1 },
      rejected: 1,
      rejects: [{ row: 4, lotId: 'L4', reason: 'no bid' }],
      quarantined: 0,
      created: 8,
      updated: 0,
      unchanged: 0,
      importId: null,
      provenanceRecorded: 8,
      coverage: { lots: 10, filled: 45, available: 60, ratio: 0.75, fields: { vin: 0.9, mileage: 0.6 } },
      errors: ['page 3: timed out'],
      notes: [],
    });
    await t.app.quality.monitor.refresh();
    const quality = await answered('/api/quality', '/api/quality');
    expect(quality.scrapes.cityfleet.lastRun.outcome).toBe('partial');

    const first = (await t.app.inject({ method: 'GET', url: '/api/opportunities?cursor=&limit=1' })).json().items[0] as Json;
    const path = '/api/opportunities/{id}/provenance';
    const plain = await answered(`/api/opportunities/${first.id}/provenance`, path);
    expect(plain.opportunityId).toBe(first.id);
    expect(plain.source).not.toBeNull();
    const prov = await answered(`/api/opportunities/${first.id}/provenance?format=prov-json`, path);
    expect(Object.keys(prov.entity).length).toBeGreaterThan(0);
    expect(Object.keys(prov.wasDerivedFrom).length).toBeGreaterThan(0);
  });

  it('a rollout session: status, dry run, advance, rollback, re-arm, decisions, the kill switch and a canary run', async () => {
    const send = (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object) =>
      t.app.inject({ method, url, payload, headers: { authorization: `Bearer ${TOKEN}`, 'x-change-reason': 'conformance session' } });
    const answered = async (method: 'GET' | 'POST' | 'DELETE', url: string, path: string, status: number, payload?: object) => {
      const res = await send(method, url, payload);
      expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(status);
      check(method.toLowerCase(), path, status, res.json());
      return res.json() as Json;
    };
    const refused = async (method: 'POST', url: string, status: number, code: string, payload?: object) => {
      const res = await send(method, url, payload);
      expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(status);
      expect(res.json().error.code).toBe(code);
    };

    // One evaluation of the triggers (the test app runs no loop), so each carries its evidence.
    await t.ctx.rollout.evaluate();
    const status = await answered('GET', '/admin/rollout', '/admin/rollout', 200);
    expect(status.triggers.every((s: Json) => s.evaluatedAt !== null && s.evidence.length > 0)).toBe(true);
    expect((await answered('POST', '/admin/rollout/dry-run', '/admin/rollout/dry-run', 200, { enabled: true })).dryRun).toBe(true);
    expect((await answered('POST', '/admin/rollout/dry-run', '/admin/rollout/dry-run', 200, { enabled: false })).dryRun).toBe(false);

    // The test app runs the whole of v5: nothing to advance to until a phase is rolled back.
    expect(status.effectivePhase).toBe(4);
    await refused('POST', '/admin/rollout/advance', 409, 'rollout_complete', { reason: 'try' });
    const rolledBack = await answered('POST', '/admin/rollout/rollback', '/admin/rollout/rollback', 200, {
      phase: 4,
      reason: 'conformance: back to phase 3',
    });
    expect(rolledBack).toMatchObject({ kind: 'rollback', fromPhase: 4, toPhase: 3, recorded: true });
    const advanced = await answered('POST', '/admin/rollout/advance', '/admin/rollout/advance', 200, {
      force: true,
      reason: 'conformance: phase 4 again',
    });
    expect(advanced.decision).toMatchObject({ kind: 'advance', fromPhase: 3, toPhase: 4 });

    // A fired trigger's latch (written as the trigger loop writes one), then re-armed by a person.
    const db = t.ctx.flagControl.backgroundDb();
    await addLatch(db, 'development', 'p95_latency', rolledBack.id as number, t.ctx.clock.now());
    const latched = await answered('GET', '/admin/rollout', '/admin/rollout', 200);
    expect(latched.latches).toEqual([expect.objectContaining({ trigger: 'p95_latency' })]);
    const rearmed = await answered('POST', '/admin/rollout/rearm', '/admin/rollout/rearm', 200, {
      trigger: 'p95_latency',
      reason: 'conformance: latency understood',
    });
    expect(rearmed.rearmed).toEqual(['p95_latency']);
    expect(rearmed.decision.kind).toBe('rearm');
    const nothing = await answered('POST', '/admin/rollout/rearm', '/admin/rollout/rearm', 200, { trigger: 'all', reason: 'again' });
    expect(nothing).toEqual({ rearmed: [], decision: null });
    const decisions = await answered('GET', '/admin/rollout/decisions?limit=10', '/admin/rollout/decisions', 200);
    expect(decisions.decisions.map((d: Json) => d.kind)).toEqual(['rearm', 'advance', 'rollback']);

    // The kill switch: on, seen in the status, no canary may start; then released.
    const on = await answered('POST', '/admin/feature-flags', '/admin/feature-flags', 200, { EMERGENCY_ROLLBACK: true });
    expect(on.emergency).toBe(true);
    expect((await answered('GET', '/admin/rollout', '/admin/rollout', 200)).emergency).toBe(true);
    await refused('POST', '/admin/rollout/canary/ENABLE_TTL_JITTER', 409, 'emergency_rollback', { steps: [5, 50] });
    const off = await answered('POST', '/admin/feature-flags', '/admin/feature-flags', 200, { EMERGENCY_ROLLBACK: false });
    expect(off.emergency).toBe(false);

    // A canary: started, both cohorts fed alike and judged, stopped; then its latch re-armed.
    const flag = 'ENABLE_TTL_JITTER';
    const started = await answered('POST', `/admin/rollout/canary/${flag}`, '/admin/rollout/canary/{flag}', 202, {
      steps: [5, 50],
      holdSeconds: 60,
    });
    expect(started).toMatchObject({ flag, state: 'running', percentage: 5 });
    const canary = canaryOf(t.app);
    for (let i = 0; i < 150; i++)
      for (const cohort of ['treatment', 'control'] as const) canary.analysis.windows.record(flag, cohort, t.ctx.clock.now(), 12, false);
    await canary.runner.tick();
    const report = await answered('GET', '/admin/rollout/canary', '/admin/rollout/canary', 200);
    expect(report.flags[flag]).toMatchObject({ rollout: { percentage: 5 }, verdict: 'pass' });
    expect(report.flags[flag].latency).not.toBeNull();
    expect(report.runs).toEqual([expect.objectContaining({ flag, state: 'running' })]);
    const stopped = await answered('DELETE', `/admin/rollout/canary/${flag}`, '/admin/rollout/canary/{flag}', 200);
    expect(stopped.state).toBe('stopped');
    await addLatch(db, 'development', `canary:${flag}`, rolledBack.id as number, t.ctx.clock.now());
    await refused('POST', `/admin/rollout/canary/${flag}`, 409, 'canary_latched', { steps: [5, 50] });
    const released = await answered('POST', `/admin/rollout/canary/${flag}/rearm`, '/admin/rollout/canary/{flag}/rearm', 200, {
      reason: 'conformance: canary understood',
    });
    expect(released.rearmed).toEqual([`canary:${flag}`]);
    expect(released.decisionId).toEqual(expect.any(Number));
    expect((await send('DELETE', `/admin/feature-flags/${flag}`)).statusCode).toBe(200);
  });
});
