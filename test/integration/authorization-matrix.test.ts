import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestSystem, type TestSystem } from '../support/test-system.js';
import { httpClient, type HttpClient, type HttpResponse } from '../support/http-client.js';
import { expectNoServerErrors, expectProblem } from '../support/assertions.js';
import { Shop } from '../support/saga-helpers.js';

/**
 * Who may do what, for every route of the OpenAPI document. Customer A owns an order (with its
 * payment and notifications); customer B must see none of it. A route without an entry fails the
 * suite, so a new route cannot ship without saying who may call it.
 */
type Caller = 'anonymous' | 'customerA' | 'customerB' | 'admin';
const CALLERS: readonly Caller[] = ['anonymous', 'customerA', 'customerB', 'admin'];

interface World {
  http: HttpClient;
  tokens: Record<Exclude<Caller, 'anonymous'>, string>;
  ids: Record<Exclude<Caller, 'anonymous'>, string>;
  productId: string;
  sku: string;
  orderOfA: string;
  notificationsOfA: string[];
  unique(): string;
}

interface Request {
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
}

interface MatrixEntry {
  /** `METHOD /openapi/path`; `{module}` matches any module of the dead-letter routes. */
  route: string;
  request(world: World, caller: Caller): Request;
  expected: Record<Caller, number>;
  /** Further checks of a caller's answer (ownership, no leaks, no side effects). */
  check?(world: World, caller: Caller, res: HttpResponse): Promise<void> | void;
}

const NOBODY = { anonymous: 401, customerA: 403, customerB: 403, admin: 200 } as const;
const SIGNED_IN = { anonymous: 401, customerA: 200, customerB: 200, admin: 200 } as const;
const EVERYONE = { anonymous: 200, customerA: 200, customerB: 200, admin: 200 } as const;

const MATRIX: MatrixEntry[] = [
  {
    route: 'POST /api/v1/users',
    request: (w) => ({ path: '/api/v1/users', body: { email: `${w.unique()}@example.test`, password: 'customer-password-1', name: 'New' } }),
    expected: { anonymous: 201, customerA: 201, customerB: 201, admin: 201 },
    check: (_w, _c, res) => expect(res.body.role ?? 'customer').toBe('customer'),
  },
  {
    route: 'POST /api/v1/auth/token',
    request: (_w, caller) => ({
      path: '/api/v1/auth/token',
      body: caller === 'admin' ? { email: ADMIN.email, password: ADMIN.password } : { email: `${caller}@example.test`, password: 'wrong-password-1' },
    }),
    // Anyone may ask; only right credentials get a token (the others here give a wrong password).
    expected: { anonymous: 401, customerA: 401, customerB: 401, admin: 200 },
  },
  {
    route: 'GET /api/v1/users/me',
    request: () => ({ path: '/api/v1/users/me' }),
    expected: SIGNED_IN,
    check: (w, caller, res) => {
      if (caller !== 'anonymous') expect(res.body.id).toBe(w.ids[caller]);
    },
  },
  {
    // RFC 7009: the token is its own credential; an unknown one gets the same answer as a known one.
    route: 'POST /api/v1/auth/revoke',
    request: (w) => ({ path: '/api/v1/auth/revoke', body: { token: `unknown-${w.unique()}` } }),
    expected: EVERYONE,
  },
  { route: 'GET /.well-known/jwks.json', request: () => ({ path: '/.well-known/jwks.json' }), expected: EVERYONE },
  // Served by a gateway in a split deployment; a process hosting every module signs no service tokens.
  {
    route: 'GET /.well-known/service-jwks.json',
    request: () => ({ path: '/.well-known/service-jwks.json' }),
    expected: { anonymous: 404, customerA: 404, customerB: 404, admin: 404 },
  },
  // Probes, metrics and the API's documents are open to anyone.
  { route: 'GET /health/live', request: () => ({ path: '/health/live' }), expected: EVERYONE },
  { route: 'GET /health/ready', request: () => ({ path: '/health/ready' }), expected: EVERYONE },
  { route: 'GET /metrics', request: () => ({ path: '/metrics' }), expected: EVERYONE },
  { route: 'GET /api/openapi.json', request: () => ({ path: '/api/openapi.json' }), expected: EVERYONE },
  { route: 'GET /api/asyncapi.json', request: () => ({ path: '/api/asyncapi.json' }), expected: EVERYONE },
  { route: 'GET /docs', request: () => ({ path: '/docs' }), expected: EVERYONE },
  { route: 'GET /docs/{asset}', request: () => ({ path: '/docs/docs.js' }), expected: EVERYONE },
  {
    route: 'GET /api/v1/admin/{module}/dead-letters',
    request: (_w, _c) => ({ path: '' }),
    expected: NOBODY,
  },
  {
    route: 'POST /api/v1/admin/{module}/dead-letters/{id}/replay',
    request: () => ({ path: '' }),
    expected: { anonymous: 401, customerA: 403, customerB: 403, admin: 404 },
  },
  {
    route: 'POST /api/v1/products',
    request: (w) => ({ path: '/api/v1/products', body: { sku: `AUTHZ-${w.unique()}`, name: 'Matrix', price: { amount: 1, currency: 'EUR' } } }),
    expected: { anonymous: 401, customerA: 403, customerB: 403, admin: 201 },
    check: async (w, caller, res) => {
      if (caller === 'admin') return;
      // Refused callers wrote nothing: the SKU they sent does not exist.
      const sent = (res as HttpResponse & { sentSku?: string }).sentSku;
      const skus = ((await w.http.get('/api/v1/products?limit=100')).body.items as { sku: string }[]).map((p) => p.sku);
      expect(sent && skus.includes(sent)).toBe(false);
    },
  },
  { route: 'GET /api/v1/products', request: () => ({ path: '/api/v1/products' }), expected: EVERYONE },
  { route: 'GET /api/v1/products/{id}', request: (w) => ({ path: `/api/v1/products/${w.productId}` }), expected: EVERYONE },
  {
    route: 'PATCH /api/v1/products/{id}',
    request: (w, caller) => ({ path: `/api/v1/products/${w.productId}`, body: { name: caller === 'admin' ? 'Matrix product' : `Defaced by ${caller}` } }),
    expected: NOBODY,
    check: async (w) => {
      expect((await w.http.get(`/api/v1/products/${w.productId}`)).body.name).toBe('Matrix product');
    },
  },
  { route: 'GET /api/v1/inventory/{sku}', request: (w) => ({ path: `/api/v1/inventory/${w.sku}` }), expected: NOBODY },
  {
    route: 'POST /api/v1/inventory/{sku}/restock',
    request: (w) => ({ path: `/api/v1/inventory/${w.sku}/restock`, body: { quantity: 1 } }),
    expected: NOBODY,
  },
  {
    route: 'POST /api/v1/orders',
    request: (w) => ({ path: '/api/v1/orders', body: { items: [{ productId: w.productId, quantity: 1 }], paymentMethod: 'pm_card_visa' } }),
    expected: { anonymous: 401, customerA: 202, customerB: 202, admin: 202 },
  },
  {
    route: 'GET /api/v1/orders',
    request: () => ({ path: '/api/v1/orders?limit=100' }),
    expected: SIGNED_IN,
    check: async (w, caller, res) => {
      if (caller === 'anonymous') return;
      const ids = (res.body.items as { id: string }[]).map((o) => o.id);
      // The list is "mine" for everyone, admins included.
      if (caller === 'customerA') expect(ids).toContain(w.orderOfA);
      else expect(ids).not.toContain(w.orderOfA);
      for (const id of ids) expect((await w.http.get(`/api/v1/orders/${id}`, { token: w.tokens[caller] })).status).toBe(200);
    },
  },
  {
    route: 'GET /api/v1/orders/{id}',
    request: (w) => ({ path: `/api/v1/orders/${w.orderOfA}` }),
    expected: { anonymous: 401, customerA: 200, customerB: 404, admin: 200 },
    check: (w, caller, res) => {
      if (caller === 'customerB') expect(JSON.stringify(res.body)).not.toContain('pm_card_visa');
      if (res.status === 200) expect(res.body.id).toBe(w.orderOfA);
    },
  },
  {
    route: 'GET /api/v1/payments',
    request: (w) => ({ path: `/api/v1/payments?orderId=${w.orderOfA}` }),
    expected: SIGNED_IN,
    check: (w, caller, res) => {
      if (caller === 'customerB') expect(res.body).toEqual([]);
      if (caller === 'customerA' || caller === 'admin') {
        expect(res.body.length).toBeGreaterThan(0);
        for (const payment of res.body as { orderId: string }[]) expect(payment.orderId).toBe(w.orderOfA);
      }
    },
  },
  {
    route: 'GET /api/v1/notifications',
    request: () => ({ path: '/api/v1/notifications?limit=100' }),
    expected: SIGNED_IN,
    check: (w, caller, res) => {
      if (caller === 'anonymous') return;
      const ids = (res.body.items as { id: string }[]).map((n) => n.id);
      if (caller === 'customerA') expect(ids).toEqual(expect.arrayContaining(w.notificationsOfA));
      else for (const id of w.notificationsOfA) expect(ids).not.toContain(id);
    },
  },
];

const DEAD_LETTER = /^\/api\/v1\/admin\/([a-z]+)\/dead-letters(\/\{id\}\/replay)?$/;

function entryFor(method: string, path: string): MatrixEntry | undefined {
  const key = `${method.toUpperCase()} ${path.replace(DEAD_LETTER, (_m, _module: string, replay?: string) => `/api/v1/admin/{module}/dead-letters${replay ?? ''}`)}`;
  return MATRIX.find((e) => e.route === key);
}

/** The concrete path of a dead-letter route for one module (the template has `{id}`). */
function deadLetterPath(path: string): string {
  return path.replace('{id}', randomUUID());
}

describe('authorization matrix', () => {
  let t: TestSystem;
  let world: World;
  let operations: { method: string; path: string; isPublic: boolean }[];

  beforeAll(async () => {
    t = await startTestSystem();
    const http = httpClient(t.url);
    const adminToken = await http.token(ADMIN.email, ADMIN.password);
    const a = await http.signUp('customerA@example.test');
    const b = await http.signUp('customerB@example.test');
    const shop = new Shop(t.system, http, adminToken);
    const product = await shop.product('AUTHZ-MAIN', 500, 1_000);
    await http.patch(`/api/v1/products/${product.id}`, { name: 'Matrix product' }, { token: adminToken });
    const order = await shop.placeOrder(a.token, [{ productId: product.id, quantity: 1 }]);
    expect((await shop.settled(a.token, order.id)).status).toBe('confirmed');
    // Notifications are written from events; wait until A has the welcome and the confirmation.
    let notificationsOfA: string[] = [];
    for (let i = 0; i < 100 && notificationsOfA.length < 2; i++) {
      notificationsOfA = ((await http.get('/api/v1/notifications', { token: a.token })).body.items as { id: string }[]).map((n) => n.id);
      if (notificationsOfA.length < 2) await new Promise((r) => setTimeout(r, 50));
    }
    expect(notificationsOfA.length).toBeGreaterThanOrEqual(2);
    const me = await http.get('/api/v1/users/me', { token: adminToken });
    let counter = 0;
    world = {
      http,
      tokens: { customerA: a.token, customerB: b.token, admin: adminToken },
      ids: { customerA: a.id, customerB: b.id, admin: me.body.id },
      productId: product.id,
      sku: product.sku,
      orderOfA: order.id,
      notificationsOfA,
      unique: () => `m${Date.now().toString(36)}${(counter++).toString(36)}`,
    };
    const doc = (await http.get('/api/openapi.json')).body as { paths: Record<string, Record<string, { security?: unknown[] }>> };
    operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({ method, path, isPublic: Array.isArray(op.security) && op.security.length === 0 })),
    );
  });

  afterAll(async () => {
    if (!t) return;
    await expectNoServerErrors(world.http);
    await t.stop();
  });

  it('has an entry for every route of the OpenAPI document', () => {
    expect(operations.length).toBeGreaterThan(10);
    const missing = operations.filter((op) => !entryFor(op.method, op.path)).map((op) => `${op.method.toUpperCase()} ${op.path}`);
    expect(missing, 'routes without an authorization-matrix entry').toEqual([]);
  });

  it('gives anonymous callers, customer A, customer B and admins what they should get on every route', async () => {
    const seen: string[] = [];
    for (const { method, path } of operations) {
      const entry = entryFor(method, path);
      if (!entry) continue;
      for (const caller of CALLERS) {
        const built = entry.request(world, caller);
        const target = DEAD_LETTER.test(path) ? deadLetterPath(path) : built.path;
        const token = caller === 'anonymous' ? undefined : world.tokens[caller];
        const res = await world.http.request(method.toUpperCase(), target, { body: built.body, headers: built.headers, ...(token ? { token } : {}) });
        const sku = (built.body as { sku?: string } | undefined)?.sku;
        const expected = entry.expected[caller];
        const label = `${caller}: ${method.toUpperCase()} ${target} -> ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`;
        expect(res.status, label).toBe(expected);
        if (expected >= 400) expectProblem(res, expected);
        if (expected === 401) expect(res.headers.get('www-authenticate'), label).toMatch(/^Bearer/);
        await entry.check?.(world, caller, Object.assign(res, { sentSku: sku }));
        seen.push(`${method.toUpperCase()} ${path} ${caller}`);
      }
    }
    expect(seen.length).toBe(operations.length * CALLERS.length);
  });

  it('treats a garbage or forged bearer token like none on every protected route', async () => {
    const garbage = ['garbage', 'a.b.c', `${world.tokens.customerA}x`, `${world.tokens.customerA.split('.').slice(0, 2).join('.')}.`];
    for (const { method, path, isPublic } of operations) {
      const entry = entryFor(method, path)!;
      if (isPublic) continue;
      expect(entry.expected.anonymous, `${method} ${path} is not public`).toBe(401);
      const built = entry.request(world, 'customerA');
      const target = DEAD_LETTER.test(path) ? deadLetterPath(path) : built.path;
      for (const token of garbage) {
        expectProblem(await world.http.request(method.toUpperCase(), target, { body: built.body, token }), 401);
      }
      expectProblem(
        await world.http.request(method.toUpperCase(), target, {
          body: built.body,
          headers: { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
        }),
        401,
      );
    }
  });

  describe('IDOR: ids in paths and queries', () => {
    it("does not show A's order to B, however the id is written", async () => {
      const { http, tokens, orderOfA } = world;
      for (const id of [orderOfA, orderOfA.toUpperCase()]) {
        const res = await http.get(`/api/v1/orders/${id}`, { token: tokens.customerB });
        expect([400, 404]).toContain(res.status);
      }
      // Unknown and foreign ids look the same to B.
      const unknown = await http.get(`/api/v1/orders/${randomUUID()}`, { token: tokens.customerB });
      const foreign = await http.get(`/api/v1/orders/${orderOfA}`, { token: tokens.customerB });
      expect(foreign.status).toBe(unknown.status);
      expect(Object.keys(foreign.body).sort()).toEqual(Object.keys(unknown.body).sort());
    });

    it("shows B no payments of A's order, and A none of an unknown order", async () => {
      const { http, tokens, orderOfA } = world;
      expect((await http.get(`/api/v1/payments?orderId=${orderOfA}`, { token: tokens.customerB })).body).toEqual([]);
      expect((await http.get(`/api/v1/payments?orderId=${randomUUID()}`, { token: tokens.customerA })).body).toEqual([]);
      // A second orderId (array) is refused, not used to widen the query.
      expectProblem(await http.get(`/api/v1/payments?orderId=${randomUUID()}&orderId=${orderOfA}`, { token: tokens.customerB }), 400);
    });

    it("does not page into A's orders or notifications with a cursor made from A's ids", async () => {
      const { http, tokens, orderOfA, notificationsOfA } = world;
      // Cursors are base64url JSON of the last id seen: B forges one pointing into A's data.
      const forge = (id: string) => Buffer.from(JSON.stringify({ after: id })).toString('base64url');
      const orders = await http.get(`/api/v1/orders?cursor=${forge(orderOfA)}`, { token: tokens.customerB });
      expect([200, 400]).toContain(orders.status);
      if (orders.status === 200) expect((orders.body.items as { id: string }[]).map((o) => o.id)).not.toContain(orderOfA);
      for (const id of notificationsOfA) {
        const res = await http.get(`/api/v1/notifications?cursor=${forge(id)}`, { token: tokens.customerB });
        expect([200, 400]).toContain(res.status);
        if (res.status === 200) for (const n of res.body.items as { id: string }[]) expect(notificationsOfA).not.toContain(n.id);
      }
    });

    it('ignores identity fields a customer slips into bodies and queries', async () => {
      const { http, tokens, productId, ids } = world;
      const res = await http.post(
        '/api/v1/orders',
        { items: [{ productId, quantity: 1 }], paymentMethod: 'pm_card_visa', userId: ids.customerA },
        { token: tokens.customerB },
      );
      expectProblem(res, 400);
      const mine = await http.get(`/api/v1/orders?userId=${ids.customerA}`, { token: tokens.customerB });
      if (mine.status === 200) expect((mine.body.items as { id: string }[]).map((o) => o.id)).not.toContain(world.orderOfA);
      const notes = await http.get(`/api/v1/notifications?userId=${ids.customerA}`, { token: tokens.customerB });
      if (notes.status === 200) for (const n of notes.body.items as { id: string }[]) expect(world.notificationsOfA).not.toContain(n.id);
    });

    it('keeps every dead-letter route of every module admin-only', async () => {
      const deadLetterOps = operations.filter((op) => DEAD_LETTER.test(op.path));
      expect(deadLetterOps.length).toBeGreaterThanOrEqual(12);
      for (const { method, path } of deadLetterOps) {
        for (const caller of ['customerA', 'customerB'] as const) {
          expectProblem(await world.http.request(method.toUpperCase(), deadLetterPath(path), { token: world.tokens[caller] }), 403);
        }
      }
    });
  });
});
