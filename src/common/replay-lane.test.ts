// The lane's contract with its gates: a gate that let a request through hears when the request
// goes the normal way after all, so what it decided is applied once, by the normal path.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { ReplayLane, type LaneRequest } from './replay-lane.js';
import type { ServedBody } from './response-body.js';

const served: ServedBody = { identity: Buffer.from('{"items":[]}'), gzip: null, etag: '"e1"' };

function lane() {
  const l = new ReplayLane({
    generation: () => 1,
    requestId: () => 'req-1',
    client: () => ({ ip: '127.0.0.1', https: false }),
    wantsGzip: () => false,
    identityOf: (s) => s.identity as Buffer,
    now: () => 0,
  });
  l.remember('/api/opportunities', { route: '/api/opportunities', vary: 'Accept-Encoding', lookup: () => served, hit: () => {} });
  return l;
}

const raw = () => ({ method: 'GET', url: '/api/opportunities', headers: {} }) as unknown as IncomingMessage;

function response(fail = false) {
  const sent: { head?: string[]; body?: Buffer } = {};
  const res = {
    headersSent: false,
    writeHead(status: number, head: string[]) {
      if (fail) throw new Error(`invalid header for ${status}`);
      sent.head = head;
    },
    end(body: Buffer) {
      sent.body = body;
    },
  };
  return { res: res as unknown as ServerResponse, sent };
}

describe('ReplayLane gates', () => {
  it('serves with every gate’s headers and tells no gate it was declined', () => {
    const l = lane();
    const declined: string[] = [];
    const observed: string[] = [];
    l.gate(
      () => ['ratelimit-remaining', '7'],
      (req) => declined.push(`a:${req.id}`),
    );
    l.gate(
      () => ['x-two', '2'],
      (req) => declined.push(`b:${req.id}`),
    );
    l.observe((req, route, status) => observed.push(`${req.id} ${route} ${status}`));
    const { res, sent } = response();
    expect(l.serve(raw(), res)).toBe(true);
    expect(sent.head).toEqual(expect.arrayContaining(['ratelimit-remaining', '7', 'x-two', '2', 'x-request-id', 'req-1']));
    expect(sent.body?.toString()).toBe('{"items":[]}');
    expect(declined).toEqual([]);
    expect(observed).toEqual(['req-1 /api/opportunities 200']);
  });

  it('tells the gates before a declining gate, not the decliner or those after it', () => {
    const l = lane();
    const declined: string[] = [];
    const seen: LaneRequest[] = [];
    l.gate(
      (req) => (seen.push(req), []),
      () => declined.push('first'),
    );
    l.gate(
      () => null,
      () => declined.push('decliner'),
    );
    l.gate(
      () => [],
      () => declined.push('after'),
    );
    const observed: string[] = [];
    l.observe(() => observed.push('observed'));
    const { res, sent } = response();
    expect(l.serve(raw(), res)).toBe(false);
    expect(declined).toEqual(['first']);
    expect(sent.head).toBeUndefined();
    expect(observed).toEqual([]);
    expect(seen[0]?.ip).toBe('127.0.0.1');
  });

  it('tells every gate when sending fails before anything went out, and lets the failure through', () => {
    const l = lane();
    const declined: string[] = [];
    l.gate(
      () => [],
      () => declined.push('first'),
    );
    l.gate(
      () => [],
      () => declined.push('second'),
    );
    const { res } = response(true);
    expect(() => l.serve(raw(), res)).toThrow(/invalid header/);
    expect(declined).toEqual(['first', 'second']);
  });
});

// Written out here, not taken from the lane: a name dropped from the lane's own list must fail.
const PERSONAL_CONDITIONAL_OR_BODIED = [
  'x-api-key',
  'cookie',
  'authorization',
  'if-none-match',
  'if-modified-since',
  'content-length',
  'transfer-encoding',
];

describe('ReplayLane requests it leaves alone', () => {
  it.each(PERSONAL_CONDITIONAL_OR_BODIED)('hands a request carrying %s to the normal path', (name) => {
    const l = lane();
    const request = raw();
    request.headers[name] = name === 'content-length' ? '0' : 'x';
    const { res, sent } = response();
    expect(l.serve(request, res)).toBe(false);
    expect(sent.head).toBeUndefined();
    // The same request without it is replayed: the header alone decided.
    delete request.headers[name];
    expect(l.serve(request, res)).toBe(true);
  });

  it('sends the kept body’s length, once', () => {
    const l = lane();
    const { res, sent } = response();
    expect(l.serve(raw(), res)).toBe(true);
    const head = sent.head ?? [];
    expect(head.filter((v, i) => i % 2 === 0 && v === 'content-length')).toHaveLength(1);
    expect(head[head.indexOf('content-length') + 1]).toBe(String(served.identity?.length));
  });
});
