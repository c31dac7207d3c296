// The OpenFeature provider (packages/openfeature-provider) against the real service started in
// this test: the standard OpenFeature client reads DealerScope's flags, sees a change as a
// PROVIDER_CONFIGURATION_CHANGED event within the poll period, and puts a caller in the same
// cohort of a percentage rollout as the service itself does for requests from that caller.
import { ErrorCode, OpenFeature, ProviderEvents, type EventDetails } from '@openfeature/server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DealerScopeProvider } from '../packages/openfeature-provider/src/index.js';
import type { RunningService } from '../src/http/service.js';
import { makeListings, storeTestListings } from './support/listings.js';
import { startTestService, type TestService } from './support/service.js';
import { waitFor } from './support/wait-for.js';

const TOKEN = 'openfeature-admin-token-0123456789';

describe('OpenFeature provider over the admin API of a running service', () => {
  let service: TestService;
  let svc: RunningService;
  let provider: DealerScopeProvider;
  const changes: Array<{ flagsChanged?: string[] }> = [];

  const setFlags = async (body: unknown) => {
    const res = await fetch(`${svc.url}/admin/feature-flags`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
  };

  beforeAll(async () => {
    service = await startTestService({
      token: TOKEN,
      name: 'openfeature',
      sample: false,
      env: { TRUST_PROXY: '127.0.0.1', RATE_LIMIT_PER_MINUTE: '1000000' },
    });
    svc = service.svc;
    await storeTestListings(svc.ctx.db, makeListings(5, 3), Date.now());
    provider = new DealerScopeProvider({ url: svc.url, adminToken: TOKEN, pollMs: 100 });
    OpenFeature.addHandler(ProviderEvents.ConfigurationChanged, (d?: EventDetails) => {
      if (d) changes.push({ flagsChanged: d.flagsChanged as string[] | undefined });
    });
    await OpenFeature.setProviderAndWait(provider);
  }, 60_000);

  afterAll(async () => {
    await OpenFeature.close();
    await service?.close();
  });

  it('reads booleans, numbers and enums as the service resolves them, and names unknown flags', async () => {
    const client = OpenFeature.getClient();
    expect(await client.getBooleanValue('ENABLE_PRODUCTION_CACHE', false)).toBe(true);
    expect(await client.getNumberValue('MAX_BROWSER_CONTEXTS', -1)).toBe(svc.ctx.flags.get('MAX_BROWSER_CONTEXTS'));
    expect(await client.getStringValue('CACHE_PROVIDER', 'x')).toBe('memory');
    const missing = await client.getBooleanDetails('NO_SUCH_FLAG', true);
    expect(missing.value).toBe(true);
    expect(missing.errorCode).toBe(ErrorCode.FLAG_NOT_FOUND);
    const wrongType = await client.getNumberDetails('ENABLE_PRODUCTION_CACHE', 7);
    expect(wrongType.errorCode).toBe(ErrorCode.TYPE_MISMATCH);
  });

  it("announces a change as PROVIDER_CONFIGURATION_CHANGED with the flag's name, and serves the new value", async () => {
    const client = OpenFeature.getClient();
    changes.length = 0;
    await setFlags({ ENABLE_TTL_JITTER: false });
    await waitFor('a change event for ENABLE_TTL_JITTER', () => changes.some((c) => c.flagsChanged?.includes('ENABLE_TTL_JITTER')));
    expect(await client.getBooleanValue('ENABLE_TTL_JITTER', true)).toBe(false);
    await setFlags({ ENABLE_TTL_JITTER: true });
    await waitFor(
      'a second change event for ENABLE_TTL_JITTER',
      () => changes.filter((c) => c.flagsChanged?.includes('ENABLE_TTL_JITTER')).length >= 2,
    );
    expect(await client.getBooleanValue('ENABLE_TTL_JITTER', false)).toBe(true);
  });

  it('puts each caller in the cohort the service gives its requests', async () => {
    // Cursor pagination off answers a cursor request with 400: the service's own verdict on
    // whether a request from this address is in the treatment.
    await setFlags({ ENABLE_CURSOR_PAGINATION: { percentage: 40, stickiness: 'ip' } });
    await waitFor(
      'the provider to see the 40 % rule',
      () => JSON.stringify(provider.snapshot()?.flags.ENABLE_CURSOR_PAGINATION) === '{"percentage":40,"stickiness":"ip"}',
    );
    const client = OpenFeature.getClient();
    let treated = 0;
    for (let i = 0; i < 60; i++) {
      const ip = `10.20.0.${i + 1}`;
      const res = await fetch(`${svc.url}/api/opportunities?cursor=&limit=1`, { headers: { 'x-forwarded-for': ip } });
      await res.arrayBuffer();
      const details = await client.getBooleanDetails('ENABLE_CURSOR_PAGINATION', false, { ip });
      expect(details.reason).toBe('SPLIT');
      expect(details.value, `client ${ip}`).toBe(res.status === 200);
      if (details.value) treated++;
    }
    expect(treated).toBeGreaterThan(10);
    expect(treated).toBeLessThan(40);
    const noKey = await client.getBooleanDetails('ENABLE_CURSOR_PAGINATION', false, {});
    expect(noKey.errorCode).toBe(ErrorCode.TARGETING_KEY_MISSING);
    expect(await client.getObjectValue('ENABLE_CURSOR_PAGINATION', {})).toEqual({ percentage: 40, stickiness: 'ip' });
  });
});
