import { beforeAll, describe, expect, it } from 'vitest';
import type { HttpResponse } from '../support/http-client.js';
import { waitFor } from '../support/wait-for.js';
import { splitInfrastructureAvailable } from '../support/split/infrastructure.js';
import { customerEmail, useSplitSystem } from '../support/split/split-system.js';

/**
 * The gateway with a module down answers 503 problem documents within its upstream timeout, never
 * hangs, and routes again once the module is back. order,payment is never started here: its
 * SERVICE_URLS point at a port nothing listens on.
 */
const available = await splitInfrastructureAvailable('gateway.split');
const UPSTREAM_TIMEOUT_MS = 2_000;
/** Scheduling slack on a loaded 2-core machine. */
const MARGIN_MS = 1_500;
const TEST_TIMEOUT_MS = 60_000;

function expectUnavailable(res: HttpResponse, module: string): void {
  expect(res.status, JSON.stringify(res.body)).toBe(503);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status: 503, title: expect.any(String) });
  expect(res.body.detail).toContain(module);
}

describe.skipIf(!available)('gateway with a module down', () => {
  const sys = useSplitSystem('gateway', [
    { name: 'gateway', modules: 'gateway', env: { GATEWAY_UPSTREAM_TIMEOUT_MS: String(UPSTREAM_TIMEOUT_MS) } },
    { name: 'users', modules: 'user,notification' },
    { name: 'catalog', modules: 'catalog,inventory' },
  ]);
  let token: string;

  beforeAll(async () => {
    token = (await sys.http.signUp(customerEmail('gateway'))).token;
  });

  async function timed(path: string, options: { token?: string } = {}): Promise<{ res: HttpResponse; elapsed: number }> {
    const started = Date.now();
    const res = await sys.http.get(path, options);
    return { res, elapsed: Date.now() - started };
  }

  it(
    'answers 503 at once for a module no process serves',
    async () => {
      const { res, elapsed } = await timed('/api/v1/orders', { token });
      expectUnavailable(res, 'order');
      expect(res.headers.get('retry-after')).toBeTruthy();
      expect(elapsed).toBeLessThan(UPSTREAM_TIMEOUT_MS + MARGIN_MS);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'answers 503 within its timeout while the catalog process hangs (SIGSTOP), and routes again after',
    async () => {
      expect((await sys.http.get('/api/v1/products')).status).toBe(200);
      sys.topology.send('catalog', 'SIGSTOP');
      try {
        for (let i = 0; i < 3; i++) {
          const { res, elapsed } = await timed('/api/v1/products');
          expectUnavailable(res, 'catalog');
          expect(elapsed).toBeLessThan(UPSTREAM_TIMEOUT_MS + MARGIN_MS);
        }
      } finally {
        sys.topology.send('catalog', 'SIGCONT');
      }
      await waitFor(async () => (await sys.http.get('/api/v1/products')).status === 200, 20_000, 'the gateway to route to the catalog again');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'answers 503 within its timeout when the catalog process is killed, and routes again once it is restarted',
    async () => {
      expect((await sys.http.get('/api/v1/products')).status).toBe(200);
      await sys.topology.kill9('catalog');
      for (let i = 0; i < 3; i++) {
        const { res, elapsed } = await timed('/api/v1/products');
        expectUnavailable(res, 'catalog');
        expect(elapsed).toBeLessThan(UPSTREAM_TIMEOUT_MS + MARGIN_MS);
      }
      // Other modules are not affected.
      expect((await sys.http.get('/api/v1/users/me', { token })).status).toBe(200);

      await sys.topology.restart('catalog');
      await waitFor(async () => (await sys.http.get('/api/v1/products')).status === 200, 20_000, 'the gateway to route to the restarted catalog');
    },
    TEST_TIMEOUT_MS,
  );
});
