// The dealer's JSON API under a sign-in cookie: a browser sends that cookie with any request to
// this server, a cross-site form's included, so a change riding on it needs this server's Origin
// and the session's CSRF token, as the workspace pages' own forms do. A key is not ambient: a
// request carrying X-API-Key needs neither.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from './support/app.js';
import { createTestDb, type TestDb } from './support/databases.js';
import { revokeApiKey } from '../src/security/api-keys.js';

const TOKEN = 'test-admin-token-0123456789';
const OWN = 'http://localhost';
const EVIL = 'https://evil.example';

describe('dealer API changes under a sign-in cookie', () => {
  let tdb: TestDb;
  let t: TestApp;
  let apiKey: string;
  let cookie: string;
  let csrf: string;

  const send = (method: 'GET' | 'PATCH' | 'POST' | 'PUT' | 'DELETE', url: string, headers: Record<string, string>, payload?: unknown) =>
    t.app.inject({ method, url, headers, payload: payload as string | object | undefined });
  const profile = async () => (await send('GET', '/api/me', { 'x-api-key': apiKey })).json();
  const searches = async () => (await send('GET', '/api/me/searches', { 'x-api-key': apiKey })).json().items as Array<{ id: number }>;

  beforeAll(async () => {
    tdb = await createTestDb('sqlite');
    // An SMTP relay named (never reached: no search here matches anything), so e-mail searches are taken.
    t = await buildTestApp(tdb.db, { adminToken: TOKEN, SMTP_URL: 'smtp://127.0.0.1:9' });
    const created = await t.app.inject({
      method: 'POST',
      url: '/admin/dealers',
      headers: { authorization: `Bearer ${TOKEN}` },
      payload: { name: 'Bay Motors', zip: '94105', email: 'buyer@bay.example' },
    });
    expect(created.statusCode, created.body).toBe(201);
    apiKey = created.json().apiKey;
    const login = await t.app.inject({
      method: 'POST',
      url: '/login',
      headers: { origin: OWN, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ apiKey }).toString(),
    });
    expect(login.statusCode, login.body).toBe(303);
    const session = /ds_dealer=([^;]+)/.exec(String(login.headers['set-cookie']));
    if (!session) throw new Error('sign-in set no dealer session cookie');
    cookie = `ds_dealer=${session[1]}`;
    // The token the workspace pages put in their forms.
    const page = await send('GET', '/searches', { cookie });
    csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
    expect(csrf).not.toBe('');
  });
  afterAll(async () => {
    await t?.app.close();
    await tdb?.drop();
  });

  it('reads with the cookie alone', async () => {
    const res = await send('GET', '/api/me', { cookie, origin: EVIL });
    expect(res.statusCode).toBe(200);
    expect(res.json().name).toBe('Bay Motors');
  });

  it('refuses every kind of change from another site, or with no token, and changes nothing', async () => {
    const before = await profile();
    const json = { 'content-type': 'application/json' };
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const attempts: Array<[string, Awaited<ReturnType<typeof send>>, string]> = [
      [
        'PATCH from another site',
        await send('PATCH', '/api/me', { cookie, origin: EVIL, ...json }, { name: 'pwned' }),
        'csrf_origin_mismatch',
      ],
      ['PATCH with no Origin', await send('PATCH', '/api/me', { cookie, ...json }, { name: 'pwned' }), 'csrf_origin_missing'],
      ['PATCH with no token', await send('PATCH', '/api/me', { cookie, origin: OWN, ...json }, { name: 'pwned' }), 'csrf_token_missing'],
      [
        'PATCH with a wrong token',
        await send('PATCH', '/api/me', { cookie, origin: OWN, 'x-csrf-token': `${csrf}x`, ...json }, { name: 'pwned' }),
        'csrf_token_invalid',
      ],
      [
        'a form post of a saved search',
        await send('POST', '/api/me/searches', { cookie, origin: EVIL, ...form }, 'name=evil&channels=email'),
        'csrf_origin_mismatch',
      ],
      ['a watchlist change', await send('PUT', '/api/me/watchlist/1', { cookie, origin: EVIL }), 'csrf_origin_mismatch'],
    ];
    for (const [what, res, code] of attempts) {
      expect(res.statusCode, `${what}: ${res.body}`).toBe(403);
      expect(res.json().error.code, what).toBe(code);
    }
    expect(await profile()).toEqual(before);
    expect(await searches()).toEqual([]);
  });

  it('takes a change with this server’s Origin and the session’s token', async () => {
    const res = await send(
      'PATCH',
      '/api/me',
      { cookie, origin: OWN, 'x-csrf-token': csrf, 'content-type': 'application/json' },
      { name: 'Bay Motors West' },
    );
    expect(res.statusCode, res.body).toBe(200);
    expect((await profile()).name).toBe('Bay Motors West');
    const search = await send(
      'POST',
      '/api/me/searches',
      { cookie, origin: OWN, 'x-csrf-token': csrf, 'content-type': 'application/json' },
      { name: 'hot trucks', filters: { status: 'hot' }, channels: ['email'] },
    );
    expect(search.statusCode, search.body).toBe(201);
    // While a search sends e-mail, the profile keeps an address to send it to.
    const noMail = await send('PATCH', '/api/me', { 'x-api-key': apiKey, 'content-type': 'application/json' }, { email: null });
    expect(noMail.statusCode).toBe(400);
    expect(noMail.json().error.details).toEqual([{ field: 'email', message: expect.stringContaining('"hot trucks" send e-mail') }]);
    expect((await profile()).email).toBe('buyer@bay.example');
    const id = (await searches())[0]!.id;
    expect((await send('DELETE', `/api/me/searches/${id}`, { cookie, origin: EVIL })).statusCode).toBe(403);
    expect((await send('DELETE', `/api/me/searches/${id}`, { cookie, origin: OWN, 'x-csrf-token': csrf })).statusCode).toBe(204);
    expect(await searches()).toEqual([]);
  });

  it('answers a refused search form with the page and its reasons; a URL cannot put words on the page', async () => {
    const form = { cookie, origin: OWN, 'content-type': 'application/x-www-form-urlencoded' };
    const refused = await send('POST', '/searches', form, new URLSearchParams({ _csrf: csrf, name: 'no channel' }).toString());
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toMatch(/role="alert">channels: must list/);
    const spoofed = await send('GET', '/searches?error=Your%20account%20is%20suspended', { cookie });
    expect(spoofed.statusCode).toBe(200);
    expect(spoofed.body).not.toContain('suspended');
  });

  it('takes a change carrying the dealer key from anywhere: a key is not sent by the browser on its own', async () => {
    const res = await send(
      'PATCH',
      '/api/me',
      { 'x-api-key': apiKey, origin: EVIL, 'content-type': 'application/json' },
      { name: 'Bay Motors' },
    );
    expect(res.statusCode, res.body).toBe(200);
    expect((await profile()).name).toBe('Bay Motors');
  });

  // Last: it revokes the key this suite signs in with.
  it("ends the key's sign-in sessions when the key is revoked, as revoking the dealer does", async () => {
    expect((await send('GET', '/api/me', { cookie })).statusCode).toBe(200);
    const { key_id } = await tdb.db.kysely
      .withTables<{ dealers: { key_id: string; name: string } }>()
      .selectFrom('dealers')
      .select('key_id')
      .where('name', '=', 'Bay Motors')
      .executeTakeFirstOrThrow();
    expect(await revokeApiKey(tdb.db, key_id, Date.now())).toBe(true);
    expect((await send('GET', '/api/me', { cookie })).statusCode).toBe(401);
    expect((await send('GET', '/api/me', { 'x-api-key': apiKey })).statusCode).toBe(401);
  });
});
