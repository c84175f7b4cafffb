import { randomUUID } from 'node:crypto';
import { createServer, connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpClient, type HttpClient, type HttpResponse } from '../support/http-client.js';
import { startTestSystem, type TestSystem, useTestSystem } from '../support/test-system.js';
import { expectNoServerErrors, expectProblem } from '../support/assertions.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const TOKEN = '/api/v1/auth/token';
const BAD_LOGIN = { email: 'nobody@example.com', password: 'wrong-password-1' };

function limits(token: { points: number; durationSeconds: number }, extra: Record<string, unknown>[] = []) {
  return {
    rateLimit: {
      enabled: true,
      // Unique per test: counters in a shared Redis never leak between tests or runs.
      keyPrefix: `mercato-test:${randomUUID()}`,
      groups: [
        { name: 'token', method: 'POST', pathPrefix: TOKEN, ...token },
        ...extra,
        { name: 'default', pathPrefix: '/', points: 10_000, durationSeconds: 60 },
      ],
    },
  };
}

function expectLimitHeaders(res: HttpResponse, points: number, window: number, remaining?: number): void {
  expect(res.headers.get('ratelimit-policy')).toBe(`${points};w=${window}`);
  const header = res.headers.get('ratelimit') ?? '';
  const match = /^limit=(\d+), remaining=(\d+), reset=(\d+)$/.exec(header);
  expect(match, header).not.toBeNull();
  expect(Number(match![1])).toBe(points);
  if (remaining !== undefined) expect(Number(match![2])).toBe(remaining);
  expect(Number(match![3])).toBeLessThanOrEqual(window);
}

async function burst(clients: HttpClient[], count: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) statuses.push((await clients[i % clients.length]!.post(TOKEN, BAD_LOGIN)).status);
  return statuses;
}

async function reachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port || 6379) });
    socket.setTimeout(1_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('rate limiting, in memory', () => {
  const sys = useTestSystem({
    overrides: limits({ points: 3, durationSeconds: 5 }, [{ name: 'me', method: 'GET', pathPrefix: '/api/v1/users/me', points: 2, durationSeconds: 60 }]),
  });
  let http: HttpClient;
  beforeAll(async () => {
    http = httpClient(sys.url);
  });

  it('answers a burst over the token limit with 429, Retry-After and the RateLimit headers, and passes again after the window', async () => {
    const first = await http.post(TOKEN, BAD_LOGIN);
    expect(first.status).toBe(401);
    expectLimitHeaders(first, 3, 5, 2);
    expect(await burst([http], 2)).toEqual([401, 401]);

    const over = await http.post(TOKEN, BAD_LOGIN);
    expectProblem(over, 429);
    expect(over.body.instance).toBe(TOKEN);
    const retryAfter = Number(over.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(5);
    expectLimitHeaders(over, 3, 5, 0);

    // Liveness probes and public keys are never limited; readiness and metrics, which cost work
    // and tell about the system, are counted like any request on the public port.
    for (const path of ['/health/live', '/.well-known/jwks.json']) {
      const res = await http.get(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('ratelimit'), path).toBeNull();
    }
    for (const path of ['/health/ready', '/metrics']) {
      const res = await http.get(path);
      expect(res.status, path).toBe(200);
      expectLimitHeaders(res, 10_000, 60);
    }
    const products = await http.get('/api/v1/products');
    expect(products.status).toBe(200);
    expectLimitHeaders(products, 10_000, 60);

    await sleep(retryAfter * 1000 + 100);
    const again = await http.post(TOKEN, BAD_LOGIN);
    expect(again.status).toBe(401);
    expectLimitHeaders(again, 3, 5, 2);
  });

  it('counts authenticated users separately, by the subject of their token', async () => {
    await sleep(5_100); // a fresh token window for the sign-ups
    const alice = await http.signUp(`alice-${randomUUID()}@example.com`);
    const bob = await http.signUp(`bob-${randomUUID()}@example.com`);

    const aliceStatuses = [];
    for (let i = 0; i < 3; i++) aliceStatuses.push((await http.get('/api/v1/users/me', { token: alice.token })).status);
    expect(aliceStatuses).toEqual([200, 200, 429]);
    // Same IP, other user: a budget of its own.
    const bobFirst = await http.get('/api/v1/users/me', { token: bob.token });
    expect(bobFirst.status).toBe(200);
    expectLimitHeaders(bobFirst, 2, 60, 1);
    expect((await http.get('/api/v1/users/me', { token: bob.token })).status).toBe(200);
    expectProblem(await http.get('/api/v1/users/me', { token: bob.token }), 429);
    // Anonymous requests are counted by IP, not against either user.
    expect((await http.get('/api/v1/users/me')).status).toBe(401);
    await expectNoServerErrors(http);
  });
});

describe('a group counted by IP', () => {
  it('gives no fresh budget to callers who send a token', async () => {
    const sys = await startTestSystem({ overrides: limits({ points: 2, durationSeconds: 60, by: 'ip' } as never) });
    try {
      const http = httpClient(sys.url);
      const user = await http.signUp(`carol-${randomUUID()}@example.com`); // one token request
      const withToken = await http.post(TOKEN, BAD_LOGIN, { token: user.token });
      expect(withToken.status).toBe(401);
      expectProblem(await http.post(TOKEN, BAD_LOGIN, { token: user.token }), 429);
      expectProblem(await http.post(TOKEN, BAD_LOGIN), 429);
    } finally {
      await sys.stop();
    }
  });
});

describe('readiness and metrics on the public port', () => {
  it('are limited like any other request', async () => {
    const sys = await startTestSystem({
      overrides: {
        rateLimit: { enabled: true, keyPrefix: `mercato-test:${randomUUID()}`, groups: [{ name: 'default', pathPrefix: '/', points: 3, durationSeconds: 60 }] },
      },
    });
    try {
      const http = httpClient(sys.url);
      const statuses = [];
      for (const path of ['/health/ready', '/metrics', '/health/ready', '/metrics', '/health/live']) statuses.push((await http.get(path)).status);
      expect(statuses).toEqual([200, 200, 200, 429, 200]);
    } finally {
      await sys.stop();
    }
  });
});

describe('groups match paths the way routes do, whatever the letter case', () => {
  it('counts the token and sign-up endpoints in their strict groups in any spelling', async () => {
    const sys = await startTestSystem({
      overrides: limits({ points: 2, durationSeconds: 60, by: 'ip' } as never, [
        { name: 'sign-up', method: 'POST', pathPrefix: '/api/v1/users', points: 2, durationSeconds: 60, by: 'ip' },
      ]),
    });
    try {
      const http = httpClient(sys.url);
      // The router serves these spellings (paths match case-insensitively), so the limits must apply.
      const tokens = [];
      for (const path of ['/API/V1/AUTH/TOKEN', '/Api/V1/Auth/Token/', TOKEN]) tokens.push(await http.post(path, BAD_LOGIN));
      expect(tokens.map((r) => r.status)).toEqual([401, 401, 429]);
      expectLimitHeaders(tokens[0]!, 2, 60, 1);

      const body = (n: number) => ({ email: `case-${n}-${randomUUID()}@example.com`, password: 'customer-password-1', name: 'Case' });
      const signUps = [];
      for (const [i, path] of ['/API/V1/USERS', '/api/V1/users', '/api/v1/users'].entries()) signUps.push(await http.post(path, body(i)));
      expect(signUps.map((r) => r.status)).toEqual([201, 201, 429]);
      expectLimitHeaders(signUps[0]!, 2, 60, 1);
      await expectNoServerErrors(http);
    } finally {
      await sys.stop();
    }
  });
});

describe('rate limiting through Redis', () => {
  let available = false;
  const systems: TestSystem[] = [];
  beforeAll(async () => {
    available = await reachable(REDIS_URL);
    if (!available && process.env.CI === 'true') throw new Error(`Redis is not reachable at ${REDIS_URL}; CI needs it`);
    if (!available) console.warn(`\n*** SKIPPED: Redis rate-limit tests (no Redis at ${REDIS_URL}) ***\n`);
  });
  afterAll(async () => {
    await Promise.all(systems.map((s) => s.stop()));
  });

  it('shares one limit between two gateway instances', async (ctx) => {
    if (!available) return ctx.skip();
    const overrides = limits({ points: 4, durationSeconds: 10 });
    const a = await startTestSystem({ env: { REDIS_URL }, overrides });
    systems.push(a);
    const b = await startTestSystem({ env: { REDIS_URL }, overrides });
    systems.push(b);
    const clients = [httpClient(a.url), httpClient(b.url)];

    const started = performance.now();
    const statuses = await burst(clients, 10);
    const ms = performance.now() - started;
    console.info(`rate-limit/redis: 10 requests split over 2 instances, limit 4: ${JSON.stringify(statuses)} in ${ms.toFixed(0)} ms`);
    expect(statuses).toEqual([401, 401, 401, 401, 429, 429, 429, 429, 429, 429]);
    const over = await clients[1]!.post(TOKEN, BAD_LOGIN);
    expectProblem(over, 429);
    expectLimitHeaders(over, 4, 10, 0);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const metrics = await clients[0]!.get<string>('/metrics');
    expect(metrics.body).not.toMatch(/^rate_limit_store_failures_total\{[^}]*\} [1-9]/m);
  });

  it('keeps serving on the in-memory fallback when Redis is down, and counts the failures', async () => {
    const started = performance.now();
    const down = await startTestSystem({
      env: { REDIS_URL: `redis://127.0.0.1:${await closedPort()}` },
      overrides: limits({ points: 3, durationSeconds: 10 }),
    });
    systems.push(down);
    const startMs = performance.now() - started;
    const http = httpClient(down.url);

    const burstStarted = performance.now();
    const statuses = await burst([http], 5);
    const burstMs = performance.now() - burstStarted;
    console.info(`rate-limit/redis down: start ${startMs.toFixed(0)} ms; 5 requests, limit 3: ${JSON.stringify(statuses)} in ${burstMs.toFixed(0)} ms`);
    // Still served, and still limited (per process) by the insurance limiter.
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    expect((await http.get('/api/v1/products')).status).toBe(200);
    const metrics = await http.get<string>('/metrics');
    const failures = /^rate_limit_store_failures_total\{group="token"\} (\d+)/m.exec(metrics.body);
    expect(Number(failures?.[1] ?? 0)).toBeGreaterThanOrEqual(5);
    await expectNoServerErrors(http);
  });
});
