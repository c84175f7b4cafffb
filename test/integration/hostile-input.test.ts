import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestSystem, type TestSystem } from '../support/test-system.js';
import { recordResponse } from '../support/contract-recorder.js';
import { httpClient, type HttpClient, type HttpResponse } from '../support/http-client.js';
import { expectNoServerErrors, expectProblem } from '../support/assertions.js';

/** Small server timeouts so a slow client is cut off within the test. */
const REQUEST_TIMEOUT_MS = 1_000;

/** Writes raw bytes on a fresh connection; resolves with everything the server sent before closing. */
/** fetch for requests the test client cannot make (raw bodies, huge headers); the answer still goes to the contract check. */
async function observedFetch(url: string, init: RequestInit = {}): Promise<Response> {
  const res = await fetch(url, init);
  recordResponse({ method: init.method ?? 'GET', path: new URL(url).pathname, status: res.status, headers: res.headers, text: await res.clone().text() });
  return res;
}

/** Never ends the request itself: a server that waits forever makes this reject after `timeoutMs`. */
function rawExchange(url: string, chunks: string[], { timeoutMs = 10_000 } = {}): Promise<{ text: string; closedAfterMs: number }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(Number(port), hostname);
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept the connection open for ${timeoutMs} ms: ${text.slice(0, 200)}`));
    }, timeoutMs);
    socket.setEncoding('utf8');
    socket.on('data', (data: string) => (text += data));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text, closedAfterMs: Date.now() - started });
    });
    socket.on('connect', () => {
      for (const chunk of chunks) socket.write(chunk);
    });
  });
}

function statusOf(raw: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1] ?? 0);
}

describe('hostile input', () => {
  let t: TestSystem;
  let http: HttpClient;
  let admin: string;
  let customer: string;
  let productId: string;

  beforeAll(async () => {
    t = await startTestSystem({ overrides: { http: { requestTimeoutMs: REQUEST_TIMEOUT_MS, headersTimeoutMs: REQUEST_TIMEOUT_MS, maxHeaderSize: 16_384 } } });
    http = httpClient(t.url);
    admin = await http.token(ADMIN.email, ADMIN.password);
    customer = (await http.signUp('hostile@example.test')).token;
    const res = await http.post('/api/v1/products', { sku: 'HOSTILE-1', name: 'Hostile', price: { amount: 100, currency: 'EUR' } }, { token: admin });
    expect(res.status).toBe(201);
    productId = res.body.id;
  });

  afterAll(async () => {
    if (!t) return;
    await expectNoServerErrors(http);
    expect((await http.get('/health/ready')).status).toBe(200);
    await t.stop();
  });

  const product = (extra: Record<string, unknown> = {}) => ({
    sku: `S-${Math.random().toString(36).slice(2, 10)}`,
    name: 'Widget',
    price: { amount: 100, currency: 'EUR' },
    ...extra,
  });

  describe('body size and shape', () => {
    it('refuses a body over the limit with 413', async () => {
      const res = await http.post('/api/v1/products', product({ description: 'x'.repeat(200_000) }), { token: admin });
      expectProblem(res, 413);
    });

    it('refuses a body that does not decompress as its Content-Encoding says with 400, and a gzip bomb with 413', async () => {
      for (const encoding of ['gzip', 'deflate', 'br']) {
        const res = await observedFetch(`${t.url}/api/v1/products`, {
          method: 'POST',
          headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json', 'content-encoding': encoding },
          body: new Uint8Array(Buffer.from(JSON.stringify(product()))),
        });
        expect(res.status, encoding).toBe(400);
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      }
      // 1 KB on the wire, 20 MB once inflated: the limit counts inflated bytes.
      const bomb = gzipSync(Buffer.from(`{"sku":"BOMB","name":"${' '.repeat(20 * 1024 * 1024)}","price":{"amount":1,"currency":"EUR"}}`));
      expect(bomb.length).toBeLessThan(100_000);
      const res = await observedFetch(`${t.url}/api/v1/products`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body: new Uint8Array(bomb),
      });
      expect(res.status).toBe(413);
    });

    it('refuses JSON nested deeper than 32 levels with 400, and takes 32', async () => {
      const nest = (depth: number): unknown => (depth <= 1 ? {} : { a: nest(depth - 1) });
      // The body itself is level 1; `description` holds the rest.
      const tooDeep = await http.post('/api/v1/products', product({ description: nest(32) }), { token: admin });
      expectProblem(tooDeep, 400);
      expect(tooDeep.body.detail).toMatch(/nested deeper than 32/);
      const arrays = await http.post(
        '/api/v1/products',
        `{"sku":"DEEP-1","name":"x","price":{"amount":1,"currency":"EUR"},"description":${'['.repeat(5000)}${']'.repeat(5000)}}`,
        {
          token: admin,
        },
      );
      expectProblem(arrays, 400);
      // At the limit the body is parsed and validated as usual (a wrong type, not a depth error).
      const atLimit = await http.post('/api/v1/products', product({ description: nest(31) }), { token: admin });
      expectProblem(atLimit, 400);
      expect(atLimit.body.errors).toEqual([expect.objectContaining({ path: 'description' })]);
    });

    it('refuses an order with 10 000 items (400 or 413)', async () => {
      const items = Array.from({ length: 10_000 }, (_, i) => ({ productId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, quantity: 1 }));
      const res = await http.post('/api/v1/orders', { items, paymentMethod: 'pm_card_visa' }, { token: customer });
      expect([400, 413]).toContain(res.status);
      expectProblem(res, res.status);
      const small = Array.from({ length: 1_000 }, (_, i) => ({ productId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, quantity: 1 }));
      expectProblem(await http.post('/api/v1/orders', { items: small, paymentMethod: 'pm_card_visa' }, { token: customer }), 400);
      expect((await http.get('/api/v1/orders', { token: customer })).body.items).toEqual([]);
    });

    it('refuses unknown fields with 400 on every body, naming them', async () => {
      const cases: [string, string, unknown, string | undefined][] = [
        ['POST', '/api/v1/products', product({ admin: true }), admin],
        ['PATCH', `/api/v1/products/${productId}`, { name: 'ok', isAdmin: true }, admin],
        ['POST', '/api/v1/products', product({ price: { amount: 1, currency: 'EUR', cents: 5 } }), admin],
        ['POST', '/api/v1/inventory/HOSTILE-1/restock', { quantity: 1, extra: 1 }, admin],
        ['POST', '/api/v1/orders', { items: [{ productId, quantity: 1, price: 0 }], paymentMethod: 'pm_card_visa' }, customer],
        ['POST', '/api/v1/users', { email: 'x@example.test', password: 'long-enough-1', name: 'X', role: 'admin' }, undefined],
        ['POST', '/api/v1/auth/token', { email: 'x@example.test', password: 'p', scope: 'admin' }, undefined],
      ];
      for (const [method, path, body, token] of cases) {
        const res = await http.request(method, path, { body, ...(token ? { token } : {}) });
        expectProblem(res, 400);
        expect(JSON.stringify(res.body.errors), `${method} ${path}`).toMatch(/Unrecognized key/);
      }
      expect((await http.get(`/api/v1/products/${productId}`)).body.name).toBe('Hostile');
    });
  });

  describe('content types', () => {
    it('answers 415 to text/plain, forms, multipart, and a body without a type', async () => {
      const body = JSON.stringify(product());
      for (const type of [
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/xml',
        'application/json-patch+json',
      ]) {
        expectProblem(await http.request('POST', '/api/v1/products', { body, token: admin, headers: { 'content-type': type } }), 415);
      }
      const untyped = await observedFetch(`${t.url}/api/v1/products`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}` },
        body: new Uint8Array(Buffer.from(body)),
      });
      expect(untyped.status).toBe(415);
      expect(untyped.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    });

    it('answers 400 to malformed JSON and 400/415 to an unknown charset', async () => {
      expectProblem(await http.request('POST', '/api/v1/products', { body: '{"sku":', token: admin }), 400);
      expectProblem(await http.request('POST', '/api/v1/products', { body: 'null', token: admin }), 400);
      expectProblem(await http.request('POST', '/api/v1/products', { body: '"a string"', token: admin }), 400);
      const charset = await http.request('POST', '/api/v1/products', {
        body: JSON.stringify(product()),
        token: admin,
        headers: { 'content-type': 'application/json; charset=x-no-such-charset' },
      });
      expect([400, 415]).toContain(charset.status);
      expectProblem(charset, charset.status);
    });
  });

  describe('connection limits', () => {
    it('answers 431 to a huge header, and keeps serving', async () => {
      const res = await observedFetch(`${t.url}/api/v1/products`, { headers: { 'x-filler': 'a'.repeat(64 * 1024) } });
      expect(res.status).toBe(431);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await res.json()).toMatchObject({ status: 431 });
      const many = await rawExchange(t.url, [
        `GET /api/v1/products HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 2_000 }, (_, i) => `X-H${i}: ${'v'.repeat(10)}\r\n`).join('')}\r\n`,
      ]);
      expect(statusOf(many.text)).toBe(431);
      expect((await http.get('/health/ready')).status).toBe(200);
    });

    it('cuts off a request whose body never finishes (slowloris) after the request timeout', async () => {
      const head = `POST /api/v1/products HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${admin}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"sku":`;
      const { text, closedAfterMs } = await rawExchange(t.url, [head]);
      expect(closedAfterMs).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 100);
      expect(closedAfterMs).toBeLessThan(REQUEST_TIMEOUT_MS * 4);
      // Whatever was sent is an error, never a success or a 5xx.
      if (text) expect([400, 408]).toContain(statusOf(text));
      expect((await http.get('/health/ready')).status).toBe(200);
    });

    it('cuts off a request whose head never finishes after the headers timeout with 408', async () => {
      const { text, closedAfterMs } = await rawExchange(t.url, ['GET /api/v1/products HTTP/1.1\r\nHost: x\r\nX-Slow: ']);
      expect(closedAfterMs).toBeLessThan(REQUEST_TIMEOUT_MS * 4);
      expect(statusOf(text)).toBe(408);
      expect(text).toMatch(/application\/problem\+json/);
    });

    it('answers malformed HTTP with 400 and keeps serving', async () => {
      const { text } = await rawExchange(t.url, ['GARBAGE\r\n\r\n']);
      expect(statusOf(text)).toBe(400);
      expect((await http.get('/health/live')).status).toBe(200);
    });
  });

  describe('paths and encodings', () => {
    const paths = [
      '/api/v1/products/..%2f..%2fetc%2fpasswd',
      '/api/v1/products/..%2F..%2F..%2Fetc%2Fpasswd',
      '/api/v1/products/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
      '/api/v1/products/%00',
      '/api/v1/products/abc%00def',
      '/api/v1/products/%C0%AE%C0%AE%C0%AF',
      '/api/v1/products/%E0%A4%A',
      '/api/v1/products/%',
      '/api/v1/products/%zz',
      '/api/v1/products/%ED%A0%80',
      '/api/v1/products/%F0%9F%98%80',
      '/api/v1/products?limit=%E0%A4%A',
      '/api/v1/products?cursor=%00%ff',
      '/api/v1/products?cursor=..%2f..%2f',
      '/api/v1/inventory/..%2f..%2fetc%2fpasswd',
      '/api/v1/inventory/%E0%A4%A',
      '/api/v1/inventory/%00',
      '/api/v1/orders/%C0%AE%C0%AE',
      '/api/v1/payments?orderId=%E0%A4%A',
      '/api/v1/payments?orderId[]=x',
      '/api/v1/%2e%2e/%2e%2e/etc/passwd',
      '/%E0%A4%A',
      '/api/v1/admin/order/dead-letters?status=%00',
      `/api/v1/products/${'a'.repeat(8_000)}`,
    ];
    for (const path of paths) {
      it(`answers ${path.slice(0, 60)} with a 400 or 404 problem`, async () => {
        const res = await http.get(path, { token: admin });
        expect([400, 404]).toContain(res.status);
        expectProblem(res, res.status);
        expect(JSON.stringify(res.body)).not.toMatch(/root:|Error:|at \w+ \(/);
      });
    }

    it('never serves files by traversal, however the dots are written', async () => {
      for (const path of ['/../../etc/passwd', '/api/v1/../../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd']) {
        const { text } = await rawExchange(t.url, [`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`]);
        expect([400, 404]).toContain(statusOf(text));
        expect(text).not.toMatch(/root:/);
      }
    });
  });

  describe('numbers', () => {
    const numbers: [string, string][] = [
      ['1e309', 'Infinity'],
      ['-1e309', '-Infinity'],
      ['-0', 'negative zero'],
      [String(2 ** 53 + 1), '2^53 + 1'],
      ['1.5', 'a fraction'],
      ['"NaN"', 'a NaN string'],
      ['"5"', 'a numeric string'],
      ['1e2', 'exponent'],
      ['-1', 'negative'],
      ['100000000000000000000000000000', 'huge'],
      ['null', 'null'],
      ['true', 'a boolean'],
    ];
    for (const [literal, what] of numbers) {
      it(`refuses ${what} (${literal}) as a quantity with 400, or takes it only when it is a valid integer`, async () => {
        const before = (await http.get('/api/v1/inventory/HOSTILE-1', { token: admin })).body.available as number;
        const res = await http.request('POST', '/api/v1/inventory/HOSTILE-1/restock', { body: `{"quantity":${literal}}`, token: admin });
        if (literal === '1e2') {
          expect(res.status).toBe(200);
          expect(res.body.available).toBe(before + 100);
          return;
        }
        expectProblem(res, 400);
        expect((await http.get('/api/v1/inventory/HOSTILE-1', { token: admin })).body.available).toBe(before);
        const order = await http.request('POST', '/api/v1/orders', {
          body: `{"items":[{"productId":"${productId}","quantity":${literal}}],"paymentMethod":"pm_card_visa"}`,
          token: customer,
        });
        expectProblem(order, 400);
      });
    }

    it('refuses out-of-range prices and limits', async () => {
      for (const amount of ['1e309', String(2 ** 53 + 1), '-1', '0.5', '"NaN"', '1000000001']) {
        const res = await http.request('POST', '/api/v1/products', {
          body: `{"sku":"NUM-${Math.random().toString(36).slice(2, 8)}","name":"n","price":{"amount":${amount},"currency":"EUR"}}`,
          token: admin,
        });
        expectProblem(res, 400);
      }
      for (const limit of ['1e309', '-0', '0', '-1', String(2 ** 53 + 1), 'NaN', 'Infinity', '1.5', '', '101', '1e3']) {
        expectProblem(await http.get(`/api/v1/products?limit=${encodeURIComponent(limit)}`), 400);
      }
      // A negative zero price is zero: taken, and read back as 0.
      const res = await http.request('POST', '/api/v1/products', {
        body: '{"sku":"NEG-ZERO","name":"n","price":{"amount":-0,"currency":"EUR"}}',
        token: admin,
      });
      if (res.status === 201) expect(Object.is((await http.get(`/api/v1/products/${res.body.id}`)).body.price.amount, 0)).toBe(true);
      else expectProblem(res, 400);
    });
  });

  describe('unicode', () => {
    const names: [string, string][] = [
      ['emoji', 'Café ☕ 😀👩🏽‍💻🇪🇺'],
      ['RTL', 'מוצר عربى \u202Eevil\u202C'],
      ['combining', 'Z̵̡̢̛͚a̶l̷g̸o̴'],
      ['BOM and zero-width', '\uFEFFname\u200B\u200D'],
      ['astral', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𠜎'],
      ['NUL', 'nul\u0000inside'],
      ['control', 'bell\u0007\u001b[31mred'],
      ['line separators', 'a\u2028b\u2029c'],
    ];
    for (const [what, name] of names) {
      it(`takes ${what} in a name and reads it back exactly, or refuses it with 400`, async () => {
        const res = await http.post('/api/v1/products', product({ name, description: name }), { token: admin });
        if (res.status === 201) {
          expect(res.body.name).toBe(name.trim());
          const read = await http.get(`/api/v1/products/${res.body.id}`);
          expect(read.body.name).toBe(name.trim());
          expect(read.body.description).toBe(name);
        } else {
          expectProblem(res, 400);
        }
      });
    }

    for (const [what, literal] of [
      ['a lone high surrogate', '"bad\\ud800name"'],
      ['a lone low surrogate', '"bad\\udc00name"'],
      ['reversed surrogates', '"\\udc00\\ud800"'],
    ] as const) {
      it(`refuses ${what} in a name with 400`, async () => {
        const res = await http.request('POST', '/api/v1/products', {
          body: `{"sku":"SUR-${Math.random().toString(36).slice(2, 8)}","name":${literal},"price":{"amount":1,"currency":"EUR"}}`,
          token: admin,
        });
        expectProblem(res, 400);
        const signUp = await http.request('POST', '/api/v1/users', { body: `{"email":"sur@example.test","password":"long-enough-1","name":${literal}}` });
        expectProblem(signUp, 400);
        const key = await http.request('POST', '/api/v1/products', { body: `{${literal}:1}`, token: admin });
        expectProblem(key, 400);
      });
    }

    it('keeps a valid surrogate pair written as escapes', async () => {
      const res = await http.request('POST', '/api/v1/products', {
        body: `{"sku":"PAIR-1","name":"smile \\ud83d\\ude00","price":{"amount":1,"currency":"EUR"}}`,
        token: admin,
      });
      expect(res.status).toBe(201);
      expect((await http.get(`/api/v1/products/${res.body.id}`)).body.name).toBe('smile 😀');
    });

    it('round-trips a unicode customer name', async () => {
      const name = 'Zoë 😀 مرحبا';
      const res = await http.post('/api/v1/users', { email: 'unicode-user@example.test', password: 'long-enough-1', name });
      expect(res.status).toBe(201);
      const token = await http.token('unicode-user@example.test', 'long-enough-1');
      const me: HttpResponse = await http.get('/api/v1/users/me', { token });
      expect(me.body.name).toBe(name);
    });
  });
});
