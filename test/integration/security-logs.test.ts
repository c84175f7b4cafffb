import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpClient } from '../support/http-client.js';
import { ADMIN, startTestSystem, type TestSystem } from '../support/test-system.js';

const CUSTOMER_PASSWORD = 'customer-SECRET-pw-1';
const WRONG_PASSWORD = 'wrong-SECRET-pw-2';
const FORGED_TOKEN = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJmb3JnZWQifQ.Zm9yZ2VkLXNpZ25hdHVyZQ';

/**
 * "Logs of a full test run contain no password, token or authorization header": the whole system at
 * `trace`, every credential-carrying flow exercised, and the captured log text searched for them.
 */
describe('logs carry no credentials', () => {
  let sys: TestSystem;
  const lines: string[] = [];
  const secrets: string[] = [CUSTOMER_PASSWORD, WRONG_PASSWORD, ADMIN.password, FORGED_TOKEN];

  beforeAll(async () => {
    const logDestination = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    sys = await startTestSystem({ env: { LOG_LEVEL: 'trace' }, logDestination });
    const http = httpClient(sys.url);

    // Sign-up, password grant, refresh grant, revoke.
    const signUp = await http.post('/api/v1/users', { email: 'logs@example.com', password: CUSTOMER_PASSWORD, name: 'Logs' });
    expect(signUp.status).toBe(201);
    const issued = await http.post('/api/v1/auth/token', { email: 'logs@example.com', password: CUSTOMER_PASSWORD });
    expect(issued.status).toBe(200);
    const { access_token: access, refresh_token: refresh } = issued.body as { access_token: string; refresh_token: string };
    secrets.push(access, refresh);
    const refreshed = await http.post('/api/v1/auth/token', { grant_type: 'refresh_token', refresh_token: refresh });
    if (refreshed.status === 200) {
      secrets.push(refreshed.body.access_token, refreshed.body.refresh_token);
      // Reuse of the rotated token, then revocation.
      await http.post('/api/v1/auth/token', { grant_type: 'refresh_token', refresh_token: refresh });
      await http.post('/api/v1/auth/revoke', { token: refreshed.body.refresh_token }, { token: refreshed.body.access_token });
    }
    expect((await http.get('/api/v1/users/me', { token: access })).status).toBe(200);

    // A failing login, a bad token, a malformed body that quotes a password, credentials in odd headers.
    expect((await http.post('/api/v1/auth/token', { email: 'logs@example.com', password: WRONG_PASSWORD })).status).toBe(401);
    expect((await http.get('/api/v1/users/me', { token: FORGED_TOKEN })).status).toBe(401);
    await http.post('/api/v1/auth/token', `{"email":"logs@example.com","password":"${WRONG_PASSWORD}"`);
    await http.get('/api/v1/users/me', {
      headers: { authorization: `Basic ${Buffer.from(`x:${WRONG_PASSWORD}`).toString('base64')}`, cookie: `sid=${WRONG_PASSWORD}` },
    });
    await http.get(`/api/v1/nowhere?access_token=${access}&password=${WRONG_PASSWORD}`);

    // An order, through the saga (admin creates and stocks a product first).
    const admin = (await http.post('/api/v1/auth/token', { email: ADMIN.email, password: ADMIN.password })).body.access_token as string;
    secrets.push(admin);
    const product = await http.post('/api/v1/products', { sku: 'log-1', name: 'Log', price: { amount: 500, currency: 'EUR' } }, { token: admin });
    expect(product.status).toBe(201);
    await http.post('/api/v1/inventory/LOG-1/restock', { quantity: 10 }, { token: admin });
    const order = await http.post(
      '/api/v1/orders',
      { items: [{ productId: product.body.id, quantity: 1 }], paymentMethod: 'pm_card_visa' },
      { token: access, headers: { 'idempotency-key': randomUUID() } },
    );
    expect(order.status).toBeLessThan(500);
    if (order.status < 300) {
      const deadline = Date.now() + 5000;
      while (Date.now() < deadline) {
        const state = await http.get(`/api/v1/orders/${order.body.id}`, { token: access });
        if (state.body?.status && state.body.status !== 'pending') break;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  });
  afterAll(() => sys?.stop());

  it('logged the run at trace level', () => {
    const text = lines.join('');
    expect(text).toContain('"msg":"request"');
    if (process.env.DUMP_LOGS) console.log(text);
    expect(lines.length).toBeGreaterThan(15);
  });

  it('contains no password, no token and no authorization header value', () => {
    const text = lines.join('');
    for (const secret of secrets) expect(text).not.toContain(secret);
    // Also no JWT-shaped value at all, and no Bearer/Basic credential.
    expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/);
    expect(text).not.toMatch(/\b(Bearer|Basic)\s+(?!\[redacted\])\S/);
    expect(text).not.toContain(Buffer.from(`x:${WRONG_PASSWORD}`).toString('base64'));
  });
});
