import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpClient, type HttpClient } from '../support/http-client.js';
import { ADMIN, startTestSystem, type TestSystem } from '../support/test-system.js';
import { expectFieldErrors, expectNoServerErrors, expectProblem } from '../support/assertions.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
/** Well-formed (a UUIDv7 like ours), but no product has it. */
const UNKNOWN_ID = '01900000-0000-7000-8000-000000000000';

function product(sku: string, overrides: Record<string, unknown> = {}) {
  return { sku, name: `Product ${sku}`, description: `About ${sku}`, price: { amount: 1999, currency: 'EUR' }, ...overrides };
}

interface Session {
  sys: TestSystem;
  http: HttpClient;
  admin: string;
  customer: string;
}

/** A fresh system with an admin token and a customer token. */
async function startSession(): Promise<Session> {
  const sys = await startTestSystem();
  const http = httpClient(sys.url);
  const admin = await http.token(ADMIN.email, ADMIN.password);
  const { token: customer } = await http.signUp('shopper@example.com');
  return { sys, http, admin, customer };
}

describe('POST /api/v1/products', () => {
  let s: Session;
  beforeAll(async () => {
    s = await startSession();
  });
  afterAll(() => s.sys.stop());

  it('lets an admin create a product: 201 with the product and its location', async () => {
    const res = await s.http.post('/api/v1/products', product('mug-001', { name: 'Mug' }), { token: s.admin });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      id: expect.stringMatching(UUID),
      sku: 'MUG-001',
      name: 'Mug',
      description: 'About mug-001',
      price: { amount: 1999, currency: 'EUR' },
    });
    expect(res.headers.get('location')).toBe(`/api/v1/products/${res.body.id}`);
    expect((await s.http.get(`/api/v1/products/${res.body.id}`)).body).toEqual(res.body);
  });

  it('makes the description optional (null) and accepts a zero price', async () => {
    const res = await s.http.post('/api/v1/products', { sku: 'free-1', name: 'Free sample', price: { amount: 0, currency: 'USD' } }, { token: s.admin });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ sku: 'FREE-1', description: null, price: { amount: 0, currency: 'USD' } });
  });

  it('answers 403 to a customer and 401 to an anonymous caller, creating nothing', async () => {
    const forbidden = await s.http.post('/api/v1/products', product('cust-1'), { token: s.customer });
    expectProblem(forbidden, 403);
    const anonymous = await s.http.post('/api/v1/products', product('anon-1'));
    expectProblem(anonymous, 401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
    expectProblem(await s.http.post('/api/v1/products', product('anon-1'), { token: 'not-a-token' }), 401);
    // Neither SKU exists: an admin can still create both.
    expect((await s.http.post('/api/v1/products', product('cust-1'), { token: s.admin })).status).toBe(201);
    expect((await s.http.post('/api/v1/products', product('anon-1'), { token: s.admin })).status).toBe(201);
  });

  it('answers 401 before validating: an anonymous invalid body is not described', async () => {
    expectProblem(await s.http.post('/api/v1/products', { sku: '' }), 401);
    expectProblem(await s.http.post('/api/v1/products', { sku: '' }, { token: s.customer }), 403);
  });

  it('answers 409 for a duplicate SKU, whatever its letter case or surrounding spaces', async () => {
    expect((await s.http.post('/api/v1/products', product('DUP-1'), { token: s.admin })).status).toBe(201);
    expectProblem(await s.http.post('/api/v1/products', product('DUP-1', { name: 'Another' }), { token: s.admin }), 409);
    expectProblem(await s.http.post('/api/v1/products', product('dup-1'), { token: s.admin }), 409);
    expectProblem(await s.http.post('/api/v1/products', product('  Dup-1 '), { token: s.admin }), 409);
  });

  it('answers one 201 and otherwise 409 when one SKU is created concurrently', async () => {
    const results = await Promise.all(['race-1', 'RACE-1', 'Race-1', 'rAcE-1'].map((sku) => s.http.post('/api/v1/products', product(sku), { token: s.admin })));
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409]);
    for (const res of results.filter((r) => r.status === 409)) expectProblem(res, 409);
  });

  it('answers 400 with price.amount for a negative, fractional, too large or non-numeric amount', async () => {
    for (const amount of [-1, 12.5, 1_000_000_001, '1999', null]) {
      expectFieldErrors(await s.http.post('/api/v1/products', product('bad-amount', { price: { amount, currency: 'EUR' } }), { token: s.admin }), [
        'price.amount',
      ]);
    }
  });

  it('answers 400 with price.currency for a currency that is not an ISO 4217 code', async () => {
    for (const currency of ['eur', 'EURO', 'E1', '', 978]) {
      expectFieldErrors(await s.http.post('/api/v1/products', product('bad-currency', { price: { amount: 100, currency } }), { token: s.admin }), [
        'price.currency',
      ]);
    }
  });

  it('answers 400 naming every invalid field at once', async () => {
    const res = await s.http.post(
      '/api/v1/products',
      { sku: 'has space', name: '', price: { amount: -5.5, currency: 'eur', tax: 1 }, colour: 'red' },
      { token: s.admin },
    );
    expectFieldErrors(res, ['sku', 'name', 'price.amount', 'price.currency', 'price.tax', 'colour']);
  });

  it('answers 400 for a missing price, sku or name', async () => {
    expectFieldErrors(await s.http.post('/api/v1/products', { sku: 'no-price', name: 'N' }, { token: s.admin }), ['price']);
    expectFieldErrors(await s.http.post('/api/v1/products', { name: 'N', price: { amount: 1, currency: 'EUR' } }, { token: s.admin }), ['sku']);
    expectFieldErrors(await s.http.post('/api/v1/products', { sku: 'no-name', price: { amount: 1, currency: 'EUR' } }, { token: s.admin }), ['name']);
  });

  it('answers 400 for malformed JSON, 415 for another content type, 413 for an oversized body', async () => {
    expectProblem(await s.http.post('/api/v1/products', '{"sku": "x"', { token: s.admin }), 400);
    expectProblem(await s.http.post('/api/v1/products', JSON.stringify(product('text-1')), { token: s.admin, headers: { 'content-type': 'text/plain' } }), 415);
    expectProblem(await s.http.post('/api/v1/products', product('huge-1', { description: 'x'.repeat(120 * 1024) }), { token: s.admin }), 413);
  });

  it('answered every request without a 5xx', async () => {
    await expectNoServerErrors(s.http);
  });
});

describe('GET /api/v1/products', () => {
  let s: Session;
  const created: { id: string; sku: string }[] = [];
  beforeAll(async () => {
    s = await startSession();
    for (let i = 1; i <= 7; i += 1) {
      const res = await s.http.post('/api/v1/products', product(`page-${i}`), { token: s.admin });
      expect(res.status).toBe(201);
      created.push({ id: res.body.id, sku: res.body.sku });
    }
  });
  afterAll(() => s.sys.stop());

  it('walks every product exactly once, in creation order, with limit=3 and nextCursor', async () => {
    const seen: { id: string; sku: string }[] = [];
    const pageSizes: number[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 10; pages += 1) {
      const query: string = cursor ? `?limit=3&cursor=${encodeURIComponent(cursor)}` : '?limit=3';
      const res = await s.http.get(`/api/v1/products${query}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ items: expect.any(Array), nextCursor: expect.toSatisfy((c: unknown) => c === null || typeof c === 'string') });
      pageSizes.push(res.body.items.length);
      seen.push(...res.body.items.map((p: { id: string; sku: string }) => ({ id: p.id, sku: p.sku })));
      cursor = res.body.nextCursor;
      if (cursor === null) break;
    }
    expect(pageSizes).toEqual([3, 3, 1]);
    expect(seen).toEqual(created);
    expect(cursor).toBeNull();
  });

  it('lists full products', async () => {
    const res = await s.http.get('/api/v1/products?limit=1');
    expect(res.body.items[0]).toMatchObject({
      id: created[0]!.id,
      sku: 'PAGE-1',
      name: 'Product page-1',
      description: 'About page-1',
      price: { amount: 1999, currency: 'EUR' },
    });
    expect(typeof res.body.nextCursor).toBe('string');
  });

  it('answers a last page that is exactly full with nextCursor null', async () => {
    const res = await s.http.get('/api/v1/products?limit=7');
    expect(res.body.items).toHaveLength(7);
    expect(res.body.nextCursor).toBeNull();
  });

  it('uses a default limit when none is given', async () => {
    const res = await s.http.get('/api/v1/products');
    expect(res.status).toBe(200);
    expect(res.body.items.map((p: { id: string }) => p.id)).toEqual(created.map((p) => p.id));
    expect(res.body.nextCursor).toBeNull();
  });

  it('accepts limit=1 and limit=100', async () => {
    expect((await s.http.get('/api/v1/products?limit=1')).body.items).toHaveLength(1);
    expect((await s.http.get('/api/v1/products?limit=100')).body.items).toHaveLength(7);
  });

  it('answers 400 with query.limit for a limit out of range or not an integer', async () => {
    for (const limit of ['0', '101', 'abc', '-1', '2.5', '']) {
      expectFieldErrors(await s.http.get(`/api/v1/products?limit=${limit}`), ['query.limit']);
    }
    expectFieldErrors(await s.http.get('/api/v1/products?limit=1&limit=2'), ['query.limit']);
  });

  it('answers 400 with query.cursor for a cursor it did not make', async () => {
    const notJson = Buffer.from('hello').toString('base64url');
    const notAnId = Buffer.from(JSON.stringify({ after: 'hello' })).toString('base64url');
    const wrongShape = Buffer.from(JSON.stringify(['x'])).toString('base64url');
    for (const cursor of ['garbage', '!!!', notJson, notAnId, wrongShape, 'x'.repeat(600)]) {
      expectFieldErrors(await s.http.get(`/api/v1/products?cursor=${encodeURIComponent(cursor)}`), ['query.cursor']);
    }
  });

  it('answered every request without a 5xx', async () => {
    await expectNoServerErrors(s.http);
  });
});

describe('GET /api/v1/products/:id', () => {
  let s: Session;
  let mug: { id: string };
  beforeAll(async () => {
    s = await startSession();
    mug = (await s.http.post('/api/v1/products', product('get-1'), { token: s.admin })).body;
  });
  afterAll(() => s.sys.stop());

  it('answers 200 with the product, to anyone', async () => {
    const res = await s.http.get(`/api/v1/products/${mug.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: mug.id, sku: 'GET-1', name: 'Product get-1', description: 'About get-1', price: { amount: 1999, currency: 'EUR' } });
    expect((await s.http.get(`/api/v1/products/${mug.id}`, { token: s.customer })).body).toEqual(res.body);
  });

  it('treats the id case-insensitively, as UUIDs are', async () => {
    const res = await s.http.get(`/api/v1/products/${mug.id.toUpperCase()}`);
    expect(res.status).toBe(200);
    expect(res.body.id).toBe(mug.id);
  });

  it('answers 404 for a well-formed id no product has', async () => {
    for (const id of [UNKNOWN_ID, randomUUID(), '00000000-0000-0000-0000-000000000000']) {
      expectProblem(await s.http.get(`/api/v1/products/${id}`), 404);
    }
  });

  it('answers 400 with path.id for a malformed id', async () => {
    for (const id of ['123', 'not-a-uuid', `${mug.id}x`, mug.id.replace(/-/g, ''), "1' OR '1'='1"]) {
      expectFieldErrors(await s.http.get(`/api/v1/products/${encodeURIComponent(id)}`), ['path.id']);
    }
  });

  it('answered every request without a 5xx', async () => {
    await expectNoServerErrors(s.http);
  });
});

describe('PATCH /api/v1/products/:id', () => {
  let s: Session;
  let id: string;
  beforeAll(async () => {
    s = await startSession();
    id = (await s.http.post('/api/v1/products', product('patch-1', { name: 'Before', description: 'Old text' }), { token: s.admin })).body.id;
  });
  afterAll(() => s.sys.stop());

  it('lets an admin change the name alone; a following GET shows it and nothing else changed', async () => {
    const res = await s.http.patch(`/api/v1/products/${id}`, { name: 'After' }, { token: s.admin });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id, sku: 'PATCH-1', name: 'After', description: 'Old text', price: { amount: 1999, currency: 'EUR' } });
    expect((await s.http.get(`/api/v1/products/${id}`)).body).toEqual(res.body);
  });

  it('changes the description, and clears it with null', async () => {
    expect((await s.http.patch(`/api/v1/products/${id}`, { description: 'New text' }, { token: s.admin })).body.description).toBe('New text');
    expect((await s.http.get(`/api/v1/products/${id}`)).body.description).toBe('New text');
    expect((await s.http.patch(`/api/v1/products/${id}`, { description: null }, { token: s.admin })).body.description).toBeNull();
    expect((await s.http.get(`/api/v1/products/${id}`)).body.description).toBeNull();
  });

  it('changes the price, and several fields at once', async () => {
    const price = await s.http.patch(`/api/v1/products/${id}`, { price: { amount: 2500, currency: 'USD' } }, { token: s.admin });
    expect(price.status).toBe(200);
    expect((await s.http.get(`/api/v1/products/${id}`)).body.price).toEqual({ amount: 2500, currency: 'USD' });
    const all = await s.http.patch(
      `/api/v1/products/${id}`,
      { name: 'Final', description: 'Final text', price: { amount: 100, currency: 'EUR' } },
      { token: s.admin },
    );
    expect(all.status).toBe(200);
    expect((await s.http.get(`/api/v1/products/${id}`)).body).toMatchObject({
      name: 'Final',
      description: 'Final text',
      price: { amount: 100, currency: 'EUR' },
      sku: 'PATCH-1',
    });
  });

  it('answers 200 and keeps updatedAt for a change to the same values', async () => {
    const before = (await s.http.get(`/api/v1/products/${id}`)).body;
    const res = await s.http.patch(`/api/v1/products/${id}`, { name: before.name, price: before.price }, { token: s.admin });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(before);
  });

  it('answers 400 for an empty body {} and leaves the product alone', async () => {
    const before = (await s.http.get(`/api/v1/products/${id}`)).body;
    expectFieldErrors(await s.http.patch(`/api/v1/products/${id}`, {}, { token: s.admin }), ['']);
    expect((await s.http.get(`/api/v1/products/${id}`)).body).toEqual(before);
  });

  it('answers 400 for an unknown field, including the SKU which cannot change', async () => {
    // Besides naming the unknown field, the server may add that the body changes nothing.
    expectFieldErrors(await s.http.patch(`/api/v1/products/${id}`, { colour: 'red' }, { token: s.admin }), ['colour'], { exact: false });
    expectFieldErrors(await s.http.patch(`/api/v1/products/${id}`, { name: 'X', sku: 'OTHER-1' }, { token: s.admin }), ['sku']);
    expect((await s.http.get(`/api/v1/products/${id}`)).body.sku).toBe('PATCH-1');
  });

  it('answers 400 with field paths for invalid values', async () => {
    expectFieldErrors(await s.http.patch(`/api/v1/products/${id}`, { name: '  ' }, { token: s.admin }), ['name']);
    expectFieldErrors(await s.http.patch(`/api/v1/products/${id}`, { price: { amount: -1, currency: 'EUR' } }, { token: s.admin }), ['price.amount']);
    expectFieldErrors(await s.http.patch(`/api/v1/products/${id}`, { price: { amount: 100 } }, { token: s.admin }), ['price.currency']);
  });

  it('answers 403 to a customer and 401 to an anonymous caller, changing nothing', async () => {
    const before = (await s.http.get(`/api/v1/products/${id}`)).body;
    expectProblem(await s.http.patch(`/api/v1/products/${id}`, { name: 'Hijacked' }, { token: s.customer }), 403);
    expectProblem(await s.http.patch(`/api/v1/products/${id}`, { name: 'Hijacked' }), 401);
    expect((await s.http.get(`/api/v1/products/${id}`)).body).toEqual(before);
  });

  it('answers 404 for an unknown id and 400 for a malformed one', async () => {
    expectProblem(await s.http.patch(`/api/v1/products/${UNKNOWN_ID}`, { name: 'Ghost' }, { token: s.admin }), 404);
    expectFieldErrors(await s.http.patch('/api/v1/products/not-a-uuid', { name: 'Ghost' }, { token: s.admin }), ['path.id']);
  });

  it('answers 400 for malformed JSON and 415 for another content type', async () => {
    expectProblem(await s.http.patch(`/api/v1/products/${id}`, '{"name":', { token: s.admin }), 400);
    expectProblem(
      await s.http.patch(`/api/v1/products/${id}`, 'name=X', { token: s.admin, headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
      415,
    );
  });

  it('answered every request without a 5xx', async () => {
    await expectNoServerErrors(s.http);
  });
});

describe('routing and the OpenAPI document', () => {
  let s: Session;
  beforeAll(async () => {
    s = await startSession();
  });
  afterAll(() => s.sys.stop());

  it('answers 405 with an Allow header for a method a route does not have', async () => {
    const cases: [string, string, string[]][] = [
      ['DELETE', '/api/v1/products', ['GET', 'POST']],
      ['PUT', `/api/v1/products/${UNKNOWN_ID}`, ['GET', 'PATCH']],
      ['DELETE', `/api/v1/products/${UNKNOWN_ID}`, ['GET', 'PATCH']],
      ['GET', '/api/v1/users', ['POST']],
      ['GET', '/api/v1/auth/token', ['POST']],
    ];
    for (const [method, path, allowed] of cases) {
      const res = await s.http.request(method, path, { token: s.admin });
      expectProblem(res, 405);
      const allow = (res.headers.get('allow') ?? '').split(',').map((m) => m.trim());
      for (const m of allowed) expect(allow, `${method} ${path}`).toContain(m);
      expect(allow).not.toContain(method);
    }
  });

  it('answers a 404 problem for an unknown route', async () => {
    for (const path of ['/api/v1/nothing-here', '/api/v2/products', '/api/v1/products/x/y', '/']) {
      const res = await s.http.get(path);
      expectProblem(res, 404);
      expect(res.body.instance).toBe(path);
    }
    expectProblem(await s.http.post('/api/v1/nothing-here', { a: 1 }), 404);
  });

  it('serves an OpenAPI 3.1 document listing every user and catalog route with its request schema', async () => {
    const res = await s.http.get('/api/openapi.json');
    expect(res.status).toBe(200);
    const doc = res.body;
    expect(doc.openapi).toMatch(/^3\.1\./);
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    const op = (path: string, method: string) => {
      const operation = doc.paths?.[path]?.[method];
      expect(operation, `${method.toUpperCase()} ${path}`).toBeDefined();
      return operation;
    };
    const bodySchema = (path: string, method: string) => op(path, method).requestBody?.content?.['application/json']?.schema;

    const signUp = bodySchema('/api/v1/users', 'post');
    expect(signUp).toMatchObject({ type: 'object', required: expect.arrayContaining(['email', 'password', 'name']), additionalProperties: false });
    expect(signUp.properties.password).toMatchObject({ type: 'string', minLength: 8 });
    expect(bodySchema('/api/v1/auth/token', 'post').oneOf).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'object', required: expect.arrayContaining(['email', 'password']) }),
        expect.objectContaining({ type: 'object', required: expect.arrayContaining(['grant_type', 'refresh_token']) }),
      ]),
    );
    expect(op('/api/v1/users/me', 'get').responses['200']).toBeDefined();
    expect(op('/.well-known/jwks.json', 'get').responses['200']).toBeDefined();

    const create = bodySchema('/api/v1/products', 'post');
    expect(create).toMatchObject({ type: 'object', required: expect.arrayContaining(['sku', 'name', 'price']) });
    expect(create.properties.price).toMatchObject({ type: 'object', required: expect.arrayContaining(['amount', 'currency']) });
    expect(create.properties.price.properties.amount).toMatchObject({ type: 'integer', minimum: 0 });
    // Pagination parameters are shared components.
    const parameter = (p: { $ref?: string; name?: string; in?: string }) => (p.$ref ? doc.components.parameters[p.$ref.split('/').pop()!] : p);
    const listParams = op('/api/v1/products', 'get')
      .parameters.map(parameter)
      .map((p: { name: string; in: string }) => `${p.in}:${p.name}`);
    expect(listParams).toEqual(expect.arrayContaining(['query:limit', 'query:cursor']));
    for (const method of ['get', 'patch']) {
      expect(op('/api/v1/products/{id}', method).parameters).toEqual(
        expect.arrayContaining([expect.objectContaining({ name: 'id', in: 'path', required: true })]),
      );
    }
    const update = bodySchema('/api/v1/products/{id}', 'patch');
    expect(Object.keys(update.properties).sort()).toEqual(['description', 'name', 'price']);
    expect(update.additionalProperties).toBe(false);

    // Who may call what: public routes opt out of the bearer requirement, the others keep it.
    expect(op('/api/v1/products', 'get').security).toEqual([]);
    expect(op('/api/v1/products', 'post').security).toBeUndefined();
    expect(doc.security).toEqual([{ bearer: [] }]);
    // Error responses are problem documents.
    expect(op('/api/v1/products', 'post').responses['409'].content).toHaveProperty(['application/problem+json']);
  });

  it('answered every request without a 5xx', async () => {
    await expectNoServerErrors(s.http);
  });
});
