// Requests generated from the OpenAPI document with fast-check: for each operation, its path,
// query and body parameters drawn from their schemas (valid values), mixed with hostile ones
// (unicode, control characters, injection, huge, fractional where integers are expected,
// impossible dates) and with wrong methods, wrong content types, forged and real credentials.
// Everything is drawn from one seed, so a run's request set is reproducible.
import fc from 'fast-check';

type Json = Record<string, any>;

export interface FuzzRequest {
  operation: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface FuzzContext {
  ids: number[];
  adminToken: string;
  apiKey: string;
  session: string;
  csrf: string;
  origin: string;
}

const HOSTILE = [
  "' OR '1'='1",
  '1; DROP TABLE opportunities;--',
  '<script>alert(1)</script>',
  '../../etc/passwd',
  '%00',
  '\u0000',
  '\u202e',
  '${jndi:x}',
  '28.15',
  '-0',
  '1e309',
  '-1e309',
  'NaN',
  'Infinity',
  '9007199254740993',
  '-99999999999999999999',
  '0x1F',
  '1_000',
  ' 5',
  '5 ',
  '',
  '2026-02-30T00:00:00Z',
  '2026-02-29',
  '0000-00-00',
  '9999-12-31T23:59:59Z',
  '2026-01-01T25:61:61Z',
  '2026-03-01T00:00:00+99:00',
  '__proto__',
  'constructor',
  'true',
  'null',
  '[]',
  '{}',
  'x'.repeat(300),
  '😀',
  '\ud800',
  'ä'.repeat(70),
];
const hostile: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.double({ noNaN: false }).map(String) },
  { weight: 1, arbitrary: fc.integer({ min: -2_000_000_000, max: 2_000_000_000 }).map(String) },
);

/** Values a JSON schema admits, as fast-check draws them. */
export function valueOf(schema: Json | undefined, doc: Json, depth = 0): fc.Arbitrary<unknown> {
  if (!schema || depth > 4) return fc.jsonValue({ maxDepth: 1 });
  if (schema.$ref) return valueOf(resolve(doc, schema.$ref), doc, depth + 1);
  if (schema.enum) return fc.constantFrom(...(schema.enum as unknown[]));
  if (schema.const !== undefined) return fc.constant(schema.const);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return fc.oneof(...(alternatives as Json[]).map((s) => valueOf(s, doc, depth + 1)));
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1000, max: schema.maximum ?? 100_000 });
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true, noDefaultInfinity: true });
    case 'string':
      if (schema.pattern) return fc.stringMatching(new RegExp(schema.pattern as string));
      if (schema.format === 'date-time')
        return fc
          .date({ min: new Date(Date.UTC(2000, 0, 1)), max: new Date(Date.UTC(2100, 0, 1)), noInvalidDate: true })
          .map((d) => d.toISOString());
      return fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 24, 24) });
    case 'array':
      return fc.array(valueOf(schema.items as Json, doc, depth + 1), { maxLength: 3 });
    case 'object': {
      const props = Object.entries((schema.properties ?? {}) as Record<string, Json>);
      if (props.length === 0)
        return fc.dictionary(
          fc.string({ maxLength: 12 }),
          valueOf(schema.additionalProperties === true ? undefined : schema.additionalProperties, doc, depth + 1),
          { maxKeys: 3 },
        );
      const required = new Set((schema.required ?? []) as string[]);
      return fc.record(Object.fromEntries(props.map(([k, s]) => [k, valueOf(s, doc, depth + 1)])), {
        requiredKeys: props.map(([k]) => k).filter((k) => required.has(k)),
      });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

export function resolve(doc: Json, ref: string): Json {
  return ref
    .replace(/^#\//, '')
    .split('/')
    .reduce((node: Json, key) => node?.[key.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
}

/** A value for one parameter: mostly what its schema admits, sometimes hostile. */
const paramValue = (schema: Json, doc: Json) =>
  fc.oneof(
    { weight: 3, arbitrary: valueOf(schema, doc).map((v) => (typeof v === 'string' ? v : JSON.stringify(v))) },
    { weight: 2, arbitrary: hostile },
  );

interface Operation {
  key: string;
  method: string;
  path: string;
  op: Json;
}

function operationsOf(doc: Json): Operation[] {
  return Object.entries(doc.paths as Json).flatMap(([path, item]) =>
    Object.entries(item as Json).map(([method, op]) => ({
      key: `${method.toUpperCase()} ${path}`,
      method: method.toUpperCase(),
      path,
      op: op as Json,
    })),
  );
}

// A lone surrogate cannot be percent-encoded; browsers send U+FFFD instead.
const wellFormed = (s: string) => s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');

// Header values that undici can send: printable ASCII only.
const printable = (s: string) => s.replace(/[^\x20-\x7e]/g, '?').slice(0, 200);

function requestFor(o: Operation, doc: Json, ctx: FuzzContext): fc.Arbitrary<FuzzRequest> {
  const params = ((o.op.parameters ?? []) as Json[]).map((p) => (p.$ref ? resolve(doc, p.$ref) : p));
  const pathParams = params.filter((p) => p.in === 'path');
  const queryParams = params.filter((p) => p.in === 'query');
  const idValue = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...ctx.ids.map(String)) },
    { weight: 1, arbitrary: paramValue({ type: 'string', pattern: '^[1-9][0-9]{0,14}$' }, doc) },
  );
  const pathArb = fc.record(
    Object.fromEntries(pathParams.map((p) => [p.name, p.name === 'id' ? idValue : paramValue(p.schema, doc)])) as Record<
      string,
      fc.Arbitrary<string>
    >,
  );
  // Mostly queries a client could mean (so requests get past validation to the database), the
  // rest with hostile values mixed in.
  const validQuery = fc.record(
    Object.fromEntries(
      queryParams.map((p) => [p.name, valueOf(p.schema ?? {}, doc).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)))]),
    ),
    { requiredKeys: [] },
  );
  const mixedQuery = fc.record(Object.fromEntries(queryParams.map((p) => [p.name, paramValue(p.schema ?? {}, doc)])), { requiredKeys: [] });
  const queryArb = fc.oneof({ weight: 2, arbitrary: validQuery }, { weight: 1, arbitrary: mixedQuery });
  const extraQuery = fc.option(fc.tuple(fc.constantFrom('unknown', 'limit', 'page', 'cursor', 'x[]'), hostile), { freq: 6 });
  const content = (o.op.requestBody?.content ?? {}) as Record<string, { schema?: Json }>;
  const types = Object.keys(content);
  const bodyArb: fc.Arbitrary<{ type: string; text: string } | null> =
    types.length === 0
      ? fc.option(fc.record({ type: fc.constant('application/json'), text: fc.jsonValue({ maxDepth: 1 }).map((v) => JSON.stringify(v)) }), {
          freq: 8,
        })
      : fc.oneof(
          { weight: 4, arbitrary: fc.constantFrom(...types).chain((type) => bodyIn(type, content[type]?.schema, doc, ctx)) },
          {
            weight: 1,
            arbitrary: fc.record({
              type: fc.constantFrom('text/plain', 'application/xml', 'application/json', 'garbage', 'text/csv'),
              text: fc.oneof(
                hostile,
                fc.jsonValue().map((v) => JSON.stringify(v)),
              ),
            }),
          },
        );
  const security = (o.op.security ?? []) as Json[];
  const credentials = fc.constantFrom<'right' | 'wrong' | 'none'>('right', 'right', 'right', 'wrong', 'none');
  const method = fc.oneof(
    { weight: 12, arbitrary: fc.constant(o.method) },
    { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH') },
  );
  const conditional = fc.option(fc.constantFrom('*', '"nope"', '"a", "b"', 'W/"x"', 'garbage'), { freq: 4 });
  const encoding = fc.constantFrom('gzip', 'GZIP', 'identity', 'br;q=1, gzip;q=0.5', 'GZIP;q=0', '');
  return fc
    .record({
      path: pathArb,
      query: queryArb,
      extra: extraQuery,
      body: bodyArb,
      cred: credentials,
      method,
      conditional,
      encoding,
      apiKey: fc.constantFrom('none', 'none', 'real', 'forged'),
    })
    .map(({ path, query, extra, body, cred, method: m, conditional: inm, encoding: enc, apiKey }) => {
      let url = o.path.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(wellFormed(path[name] ?? '')));
      const search = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) if (v !== undefined) search.append(k, v as string);
      if (extra) search.append(extra[0], extra[1]);
      const qs = search.toString();
      if (qs) url += `?${qs}`;
      const headers: Record<string, string> = { 'x-forwarded-for': '203.0.113.9' };
      if (enc) headers['accept-encoding'] = enc;
      if (inm) headers['if-none-match'] = inm;
      if (apiKey === 'real') headers['x-api-key'] = ctx.apiKey;
      if (apiKey === 'forged') headers['x-api-key'] = 'dsk_aaaaaaaaaa_' + 'A'.repeat(43);
      const schemes = new Set(security.flatMap((s) => Object.keys(s)));
      if (schemes.has('consoleSession') && cred !== 'none') {
        headers.cookie = `ds_session=${cred === 'right' ? ctx.session : 'B'.repeat(43)}`;
        headers.origin = ctx.origin;
      } else if (schemes.has('adminBearer') && cred !== 'none') {
        headers.authorization = `Bearer ${cred === 'right' ? ctx.adminToken : 'not-the-admin-token'}`;
      }
      if (o.path === '/console/login') headers.origin = ctx.origin;
      const req: FuzzRequest = { operation: o.key, method: m, path: url, headers };
      if (body && m !== 'GET' && m !== 'DELETE') {
        headers['content-type'] = printable(body.type);
        req.body = body.text;
      }
      return req;
    });
}

function bodyIn(type: string, schema: Json | undefined, doc: Json, ctx: FuzzContext): fc.Arbitrary<{ type: string; text: string }> {
  if (type === 'application/x-www-form-urlencoded') {
    return valueOf(schema, doc).map((v) => {
      const fields = { ...(v as Record<string, unknown>) };
      if ('_csrf' in fields) fields._csrf = ctx.csrf;
      if ('token' in fields) fields.token = fields.token === '' ? ctx.adminToken : String(fields.token);
      return { type, text: new URLSearchParams(Object.entries(fields).map(([k, x]) => [k, String(x)])).toString() };
    });
  }
  if (type === 'text/csv') {
    const row = fc
      .tuple(
        fc.constantFrom('gsa', 'govdeals', ''),
        fc.string({ maxLength: 8 }),
        paramValue({ type: 'integer', minimum: 1990, maximum: 2030 }, doc),
        paramValue({ type: 'string' }, doc),
        paramValue({ type: 'number', minimum: 0, maximum: 90000 }, doc),
        fc.constantFrom('2027-01-10T00:00:00Z', '2026-02-30', 'soon'),
        fc.constantFrom('TX', 'ca', 'ZZ', ''),
      )
      .map(([source, lot, year, make, bid, end, state]) =>
        [source, lot, 'title', year, make, 'Model', '', '', '1000', bid, end, 'City', state, '78701', '', 'clean', '']
          .map((c) => `"${String(c).replace(/"/g, '""')}"`)
          .join(','),
      );
    return fc.array(row, { minLength: 0, maxLength: 4 }).map((rows) => ({
      type,
      text: [
        'source,lot_id,title,year,make,model,trim,vin,mileage,current_bid,auction_end,city,state,zip,listing_url,title_status,description',
        ...rows,
      ].join('\n'),
    }));
  }
  return valueOf(schema, doc).map((v) => ({ type, text: JSON.stringify(v) }));
}

/** `count` requests spread over every operation of the document, reproducible from `seed`. */
export function generateRequests(doc: Json, ctx: FuzzContext, count: number, seed: number): FuzzRequest[] {
  const ops = operationsOf(doc);
  const per = Math.ceil(count / ops.length);
  const out: FuzzRequest[] = [];
  ops.forEach((o, i) => out.push(...fc.sample(requestFor(o, doc, ctx), { seed: seed + i, numRuns: per })));
  // Interleave operations so each dependency sees the mixed load a real client sends.
  const order = fc.sample(
    fc.shuffledSubarray(
      out.map((_, i) => i),
      { minLength: out.length, maxLength: out.length },
    ),
    { seed, numRuns: 1 },
  )[0] as number[];
  return order.map((i) => out[i] as FuzzRequest);
}
