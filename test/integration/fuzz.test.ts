import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestSystem, type TestSystem } from '../support/test-system.js';
import { recordResponse } from '../support/contract-recorder.js';
import { httpClient, type HttpClient } from '../support/http-client.js';
import { quiesce } from '../support/modules/quiesce.js';
import { expectNoServerErrors } from '../support/assertions.js';

/**
 * Property-based fuzzing of every route in the OpenAPI document: malformed bodies, headers, query
 * strings and path parameters. Whatever comes in, the answer is never a 5xx, never a hang, always
 * a problem document for a 4xx, no fuzzed write is accepted, and nothing is written to any module.
 */
const RUNS_PER_ROUTE = Number(process.env.FUZZ_RUNS_PER_ROUTE ?? 120);
const REQUEST_TIMEOUT_MS = 5_000;
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_126);

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
}

interface Operation {
  method: string;
  path: string;
  pathParams: string[];
  queryParams: string[];
  body?: JsonSchema;
}

interface FuzzCase {
  method: string;
  pathValues: string[];
  query: string;
  body: Uint8Array | undefined;
  headers: Record<string, string>;
}

// ---- generators -----------------------------------------------------------------------------

const printableAscii = (maxLength: number) => fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength });

/** Pieces that trip decoders: traversal, NUL, bad and overlong percent-encodings, unicode. */
const NASTY = [
  '%',
  '%%',
  '%00',
  '%2f',
  '%2F',
  '..',
  '../',
  '%2e%2e%2f',
  '%E0%A4%A',
  '%C0%AE',
  '%ff',
  '%ED%A0%80',
  '%F0%9F%98%80',
  '😀',
  '\u202E',
  'ä',
  '%u0041',
  '+',
  ';',
  '=',
  '&',
  '\\',
  'null',
  '-1',
  '1e309',
  '0x10',
  ' ',
];

/** A path segment or query value: unicode (percent-encoded as a browser would), raw nasties, uuids. */
const textValue = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }).map(encodeURIComponent),
  fc.array(fc.constantFrom(...NASTY), { maxLength: 6 }).map((parts) => parts.join('')),
  fc.string({ unit: 'binary', maxLength: 20 }).map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, ''))),
  fc.uuid().map((u) => (Math.random() < 0.5 ? u : u.toUpperCase())),
  fc.integer({ min: 1, max: 5_000 }).map((n) => 'a'.repeat(n)),
  fc.constantFrom('', '0', '-0', 'NaN', 'Infinity', String(2 ** 53 + 1), 'true', '[]', '{}'),
);

/** Keeps `?` and `#` from ending the path early; everything else goes as generated. */
const inPath = (value: string) => value.replace(/\?/g, '%3F').replace(/#/g, '%23');

function queryArb(names: string[]) {
  const key = fc.oneof(
    names.length > 0 ? fc.constantFrom(...names) : fc.constant('limit'),
    textValue,
    fc.constantFrom('limit', 'cursor', 'orderId', 'status', 'userId', '__proto__', 'constructor'),
  );
  const pair = fc.tuple(key, textValue, fc.boolean()).map(([k, v, brackets]) => `${inPath(k)}${brackets ? '[]' : ''}=${inPath(v)}`);
  return fc.oneof(
    fc.constant(''),
    fc.array(pair, { maxLength: 5 }).map((pairs) => pairs.join('&')),
    textValue.map(inPath),
  );
}

/** A value that is never of the schema's type (or out of its range). */
function wrongFor(schema: JsonSchema | undefined): fc.Arbitrary<unknown> {
  const types = [schema?.type ?? []].flat();
  const others: fc.Arbitrary<unknown>[] = [
    fc.constant(null),
    fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
    fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }),
  ];
  if (!types.includes('string')) others.push(fc.string({ maxLength: 30 }), fc.constantFrom('NaN', '1e309', '\u0000', '\ud800'));
  if (!types.includes('number') && !types.includes('integer')) others.push(fc.double(), fc.integer());
  else others.push(fc.constantFrom(-1, -0.5, 1e21, 2 ** 53 + 1, -(2 ** 53) - 1, 1.5));
  if (!types.includes('boolean')) others.push(fc.boolean());
  return fc.oneof(...others);
}

/** Objects shaped like the body (its field names), each with at least one wrong, missing or extra field. */
function shapedBodyArb(schema: JsonSchema | undefined): fc.Arbitrary<unknown> {
  const variants = [schema, ...(schema?.oneOf ?? []), ...(schema?.anyOf ?? [])].filter((s): s is JsonSchema => Boolean(s?.properties));
  if (variants.length === 0) return fc.jsonValue({ maxDepth: 3 });
  return fc.constantFrom(...variants).chain((variant) => {
    const fields = Object.entries(variant.properties ?? {});
    const record = fc.record(Object.fromEntries(fields.map(([name, prop]) => [name, wrongFor(prop)])), { requiredKeys: [] });
    return fc
      .tuple(record, fc.option(fc.tuple(fc.string({ minLength: 1, maxLength: 10 }), fc.jsonValue({ maxDepth: 1 })), { nil: undefined }))
      .map(([obj, extra]) => {
        const result = { ...(obj as Record<string, unknown>) };
        // Never valid: at least one field is wrong (all generated fields are), or an unknown field is added.
        if (Object.keys(result).length === 0 || extra) result[extra && !(extra[0] in (variant.properties ?? {})) ? extra[0] : '__unknown__'] = extra?.[1] ?? 1;
        return result;
      });
  });
}

const encoder = new TextEncoder();

function bodyArb(schema: JsonSchema | undefined): fc.Arbitrary<Uint8Array | undefined> {
  const json = (value: unknown) => encoder.encode(JSON.stringify(value) ?? 'null');
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 3, arbitrary: shapedBodyArb(schema).map(json) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map(json) },
    // Deep nesting, beyond the 32-level limit and far beyond.
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.integer({ min: 20, max: 20_000 }), fc.constantFrom('[', '{"a":'))
        .map(([depth, open]) => encoder.encode(`${open.repeat(depth)}1${(open === '[' ? ']' : '}').repeat(depth)}`)),
    },
    // Huge strings, under and over the body limit.
    {
      weight: 1,
      arbitrary: fc.integer({ min: 1_000, max: 300_000 }).map((n) => encoder.encode(JSON.stringify({ name: 'x'.repeat(n), sku: 'y'.repeat(n % 1000) }))),
    },
    // Not JSON at all, or JSON with escapes databases dislike.
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }).map((s) => encoder.encode(s)) },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom('{"name":"\\ud800"}', '{"\\u0000":1}', '{"a":1,"a":2}', '{"__proto__":{"admin":true}}', '[]', 'null', '"x"', '1e309', '{', '\uFEFF{}')
        .map((s) => encoder.encode(s)),
    },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }) },
  );
}

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=utf-16',
  'application/json;charset=latin1',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/problem+json',
  'application/merge-patch+json',
  '*/*',
  'json',
  'application/json, text/plain',
];

function headersArb(tokens: { customer: string; admin: string }) {
  const tampered = `${tokens.customer.slice(0, -4)}AAAA`;
  const [head, payload] = tokens.admin.split('.');
  const authorization = fc.oneof(
    fc.constant(undefined),
    // Valid tokens most of the time, so the fuzzing reaches validation and the handlers.
    { weight: 4, arbitrary: fc.constant(`Bearer ${tokens.customer}`) },
    { weight: 4, arbitrary: fc.constant(`Bearer ${tokens.admin}`) },
    fc.constant(`Bearer ${tampered}`),
    fc.constant(`Bearer ${head}.${payload}.`),
    fc.constant(`Bearer eyJhbGciOiJub25lIn0.${payload}.`),
    printableAscii(200).map((s) => `Bearer ${s}`),
    printableAscii(200),
    fc.constantFrom('Bearer', 'Bearer ', 'Basic YTpi', 'bearer  x', `Bearer ${tokens.customer} ${tokens.admin}`),
  );
  const contentType = fc.oneof(fc.constantFrom(...CONTENT_TYPES), printableAscii(60), fc.constant(undefined));
  return fc
    .record({
      authorization,
      'content-type': contentType,
      accept: fc.option(fc.oneof(fc.constantFrom('application/json', 'text/html', '*/*', 'application/xml'), printableAscii(40)), { nil: undefined }),
      'x-request-id': fc.option(printableAscii(200), { nil: undefined }),
      'idempotency-key': fc.option(printableAscii(300), { nil: undefined }),
      'content-encoding': fc.option(fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'bogus'), { nil: undefined }),
    })
    .map((h) => Object.fromEntries(Object.entries(h).filter(([, v]) => v !== undefined && v.trim() === v && v !== '')) as Record<string, string>);
}

function caseArb(op: Operation, tokens: { customer: string; admin: string }): fc.Arbitrary<FuzzCase> {
  return fc.record({
    method: fc.oneof(
      { weight: 9, arbitrary: fc.constant(op.method.toUpperCase()) },
      { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE') },
    ),
    pathValues: fc.tuple(...op.pathParams.map(() => textValue.map(inPath))).map((v) => v as string[]),
    query: queryArb(op.queryParams),
    body: bodyArb(op.body),
    headers: headersArb(tokens),
  });
}

// ---- the suite -------------------------------------------------------------------------------

describe('fuzzing every route of the OpenAPI document', () => {
  let t: TestSystem;
  let http: HttpClient;
  let operations: Operation[];
  let tokens: { customer: string; admin: string };

  beforeAll(async () => {
    t = await startTestSystem();
    http = httpClient(t.url);
    tokens = { customer: (await http.signUp('fuzz-customer@example.test')).token, admin: await http.token(ADMIN.email, ADMIN.password) };
    const product = await http.post('/api/v1/products', { sku: 'FUZZ-1', name: 'Fuzz', price: { amount: 100, currency: 'EUR' } }, { token: tokens.admin });
    expect(product.status).toBe(201);
    const doc = (await http.get('/api/openapi.json')).body as {
      paths: Record<
        string,
        Record<string, { parameters?: { name: string; in: string }[]; requestBody?: { content: { 'application/json': { schema: JsonSchema } } } }>
      >;
    };
    operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({
        method,
        path,
        pathParams: (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name),
        queryParams: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
        body: op.requestBody?.content['application/json'].schema,
      })),
    );
  });

  afterAll(async () => {
    await t?.stop();
  });

  /** Rows per entity in every module's database. */
  async function rowCounts(): Promise<Record<string, number>> {
    await quiesce(t.system);
    const counts: Record<string, number> = {};
    for (const [name, module] of t.system.modules) {
      const em = module.orm.em.fork();
      for (const meta of Object.values(module.orm.getMetadata().getAll())) {
        if (meta.embeddable || meta.abstract || meta.virtual) continue;
        counts[`${name}.${meta.className}`] = await em.count(meta.className, {});
      }
    }
    return counts;
  }

  it('never answers 5xx, never hangs, always sends a problem for 4xx, and writes nothing', { timeout: 120_000 }, async () => {
    const started = Date.now();
    const before = await rowCounts();
    const stats = { requests: 0, byStatus: {} as Record<string, number>, serverErrors: 0, routes: new Set<string>() };
    const failures: string[] = [];

    for (const op of operations) {
      const label = `${op.method.toUpperCase()} ${op.path}`;
      const checked = fc.assert(
        fc.asyncProperty(caseArb(op, tokens), async (c) => {
          let path = op.path;
          op.pathParams.forEach((name, i) => {
            path = path.replace(`{${name}}`, c.pathValues[i] ?? '');
          });
          const url = `${t.url}${path}${c.query ? `?${c.query}` : ''}`;
          const sendsBody = c.body !== undefined && c.method !== 'GET';
          let res: Response;
          try {
            res = await fetch(url, {
              method: c.method,
              headers: c.headers,
              ...(sendsBody && c.body ? { body: new Uint8Array(c.body) } : {}),
              signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
            });
          } catch (err) {
            if ((err as Error).name === 'TimeoutError') throw new Error(`${label}: no answer within ${REQUEST_TIMEOUT_MS} ms for ${c.method} ${url}`);
            // The client refused to send it (e.g. a URL it cannot parse): not the server's doing.
            if (err instanceof TypeError && !/fetch failed/.test(err.message)) return;
            throw new Error(`${label}: ${c.method} ${url} -> connection failed: ${(err as Error).message} ${(err as { cause?: Error }).cause?.message ?? ''}`);
          }
          const text = await res.text();
          // The contract check (after the test) holds the fuzzed answers to the document too.
          recordResponse({ method: c.method, path: new URL(url).pathname, status: res.status, headers: res.headers, text });
          stats.requests++;
          stats.routes.add(label);
          stats.byStatus[res.status] = (stats.byStatus[res.status] ?? 0) + 1;
          const where = `${label}: ${c.method} ${url.slice(0, 200)} headers=${JSON.stringify(c.headers).slice(0, 300)} body=${c.body ? Buffer.from(c.body).toString('utf8').slice(0, 200) : '-'} -> ${res.status} ${text.slice(0, 300)}`;
          if (res.status >= 500) {
            stats.serverErrors++;
            failures.push(where);
          }
          expect(res.status, where).toBeLessThan(500);
          if (res.status >= 400) {
            expect(res.headers.get('content-type'), where).toMatch(/^application\/problem\+json/);
            const doc = JSON.parse(text) as { status: number; title: string; type: string };
            expect(doc, where).toMatchObject({ status: res.status, title: expect.any(String), type: expect.any(String) });
          } else {
            // Every fuzzed write is malformed; only reads may succeed.
            expect(c.method, where).toBe('GET');
          }
        }),
        { numRuns: RUNS_PER_ROUTE, seed: SEED, endOnFailure: true },
      );
      // fast-check prints the whole counterexample (bodies of hundreds of KB): keep the cause readable.
      await checked.catch((err: Error) => {
        const cause = (err as { cause?: Error }).cause?.message ?? '';
        throw new Error(`${label}: ${err.message.split('\n')[0]}\n${cause.slice(0, 2_000)}`);
      });
    }

    const after = await rowCounts();
    expect(after, 'rows written by rejected requests').toEqual(before);
    expect((await http.get('/health/ready')).status).toBe(200);
    await expectNoServerErrors(http);

    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(
      `fuzz: ${stats.requests} requests, ${stats.routes.size}/${operations.length} routes covered, ${stats.serverErrors} 5xx, ` +
        `${seconds} s, ${RUNS_PER_ROUTE} runs per route (seed ${SEED}); statuses ${JSON.stringify(stats.byStatus)}`,
    );
    expect(failures).toEqual([]);
    expect(stats.routes.size).toBe(operations.length);
  });
});
