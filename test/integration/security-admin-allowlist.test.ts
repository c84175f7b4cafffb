import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/kernel/config/config.loader.js';
import { httpClient } from '../support/http-client.js';
import { ADMIN, startTestSystem, type TestSystem } from '../support/test-system.js';
import { expectProblem } from '../support/assertions.js';

let counter = 0;
const product = () => ({ sku: `allow-${++counter}`, name: 'Allow-listed', price: { amount: 100, currency: 'EUR' } });

/** The tests call from 127.0.0.1 (seen as `127.0.0.1` or `::ffff:127.0.0.1`). */
describe('admin IP allow-list', () => {
  let sys: TestSystem | undefined;
  afterEach(async () => {
    await sys?.stop();
    sys = undefined;
  });

  async function start(allow?: string) {
    sys = await startTestSystem(allow === undefined ? {} : { env: { ADMIN_ALLOW_IPS: allow } });
    const http = httpClient(sys.url);
    return { http, admin: await http.token(ADMIN.email, ADMIN.password) };
  }

  it('refuses an admin route from outside the list with 403, even with an admin token', async () => {
    const { http, admin } = await start('10.0.0.0/8, 192.0.2.7, fd00::/8');
    const create = await http.post('/api/v1/products', product(), { token: admin });
    expectProblem(create, 403);
    expect(create.body.detail).toMatch(/address/);
    expectProblem(await http.post('/api/v1/inventory/ANY-1/restock', { quantity: 1 }, { token: admin }), 403);
    expectProblem(await http.get('/api/v1/inventory/ANY-1', { token: admin }), 403);
    // Nothing was created, and non-admin routes are untouched.
    const list = await http.get('/api/v1/products');
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([]);
    expect((await http.get('/api/v1/users/me', { token: admin })).status).toBe(200);
  });

  it('serves admin routes normally from inside the list (address or CIDR)', async () => {
    for (const allow of ['127.0.0.1', '10.0.0.0/8, 127.0.0.0/8']) {
      const { http, admin } = await start(allow);
      expect((await http.post('/api/v1/products', product(), { token: admin })).status).toBe(201);
      await sys!.stop();
      sys = undefined;
    }
  });

  it('still needs the admin role inside the list', async () => {
    const { http } = await start('127.0.0.1');
    const { token } = await http.signUp('allow-customer@example.com');
    expectProblem(await http.post('/api/v1/products', product(), { token }), 403);
    expectProblem(await http.post('/api/v1/products', product()), 401);
  });

  it('changes nothing when unset', async () => {
    const { http, admin } = await start();
    expect(sys!.system.config.http.adminAllowList).toEqual([]);
    expect((await http.post('/api/v1/products', product(), { token: admin })).status).toBe(201);
  });

  it('refuses an invalid entry at startup', () => {
    expect(() => loadConfig({ NODE_ENV: 'test', ADMIN_ALLOW_IPS: '10.0.0.0/33' })).toThrow(/http\.adminAllowList/);
    expect(() => loadConfig({ NODE_ENV: 'test', ADMIN_ALLOW_IPS: 'localhost' })).toThrow(/http\.adminAllowList/);
    expect(loadConfig({ NODE_ENV: 'test', ADMIN_ALLOW_IPS: '10.0.0.0/8, ::1' }).http.adminAllowList).toEqual(['10.0.0.0/8', '::1']);
  });
});
