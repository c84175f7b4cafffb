import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ClientAddressResolver } from '../../src/kernel/http/trust-proxy.js';
import { httpClient } from '../support/http-client.js';
import { startTestSystem, type TestSystem } from '../support/test-system.js';

/**
 * `TRUST_PROXY`: behind a load balancer every client arrives from its address, so per-IP limits
 * must read the client from X-Forwarded-For, but only as far as the configured proxies vouch for
 * it. Without the setting, X-Forwarded-For is never believed (any client can write it).
 */
const TOKEN = '/api/v1/auth/token';
const BAD_LOGIN = { email: 'nobody@example.com', password: 'wrong-password-1' };

/** A token group of 2 requests per IP: who shares a budget tells what the process took for the client. */
function limits() {
  return {
    rateLimit: {
      enabled: true,
      keyPrefix: `mercato-test:${randomUUID()}`,
      groups: [
        { name: 'token', method: 'POST', pathPrefix: TOKEN, points: 2, durationSeconds: 60, by: 'ip' },
        { name: 'default', pathPrefix: '/', points: 10_000, durationSeconds: 60 },
      ],
    },
  };
}

describe('client address resolution', () => {
  it('believes nothing without trusted proxies', () => {
    const r = new ClientAddressResolver({ hops: 0 });
    expect(r.resolve('::ffff:10.0.0.5', '1.2.3.4')).toEqual({ ip: '10.0.0.5', chain: ['1.2.3.4', '10.0.0.5'] });
  });
  it('skips the given number of hops from the right, never past the first entry', () => {
    const one = new ClientAddressResolver({ hops: 1 });
    expect(one.resolve('10.0.0.5', '6.6.6.6, 1.2.3.4').ip).toBe('1.2.3.4');
    expect(one.resolve('10.0.0.5', '').ip).toBe('10.0.0.5');
    expect(new ClientAddressResolver({ hops: 5 }).resolve('10.0.0.5', '1.2.3.4').ip).toBe('1.2.3.4');
    // A non-address stops the walk at the last trusted hop's word.
    expect(one.resolve('10.0.0.5', 'unknown').ip).toBe('10.0.0.5');
  });
  it('skips trusted proxy addresses from the right', () => {
    const r = new ClientAddressResolver({ addresses: ['10.0.0.0/8', '::1'] });
    expect(r.resolve('10.0.0.5', '6.6.6.6, 1.2.3.4, 10.1.1.1')).toEqual({ ip: '1.2.3.4', chain: ['6.6.6.6', '1.2.3.4'] });
    expect(r.resolve('192.168.1.1', '1.2.3.4').ip).toBe('192.168.1.1');
    expect(r.resolve('::1', '[2001:db8::1]:443').ip).toBe('2001:db8::1');
    expect(r.resolve('10.0.0.5', '1.2.3.4:5678').ip).toBe('1.2.3.4');
  });
});

describe('TRUST_PROXY in the all-in-one process', () => {
  let sys: TestSystem | undefined;
  afterEach(async () => {
    await sys?.stop();
    sys = undefined;
  });

  const attempt = (forwardedFor: string, localAddress = '127.0.0.1') =>
    httpClient(sys!.url, { localAddress }).post(TOKEN, BAD_LOGIN, { headers: { 'x-forwarded-for': forwardedFor } });

  it('unset: X-Forwarded-For buys no fresh budget', async () => {
    sys = await startTestSystem({ overrides: limits() });
    const statuses = [];
    for (const xff of ['203.0.113.1', '203.0.113.2', '203.0.113.3']) statuses.push((await attempt(xff)).status);
    expect(statuses).toEqual([401, 401, 429]);
  });

  it('one hop: each client behind the proxy has its own budget, and entries it did not write are ignored', async () => {
    sys = await startTestSystem({ env: { TRUST_PROXY: '1' }, overrides: limits() });
    expect([(await attempt('203.0.113.1')).status, (await attempt('203.0.113.2')).status]).toEqual([401, 401]);
    // The client forges an entry on the left: the proxy's own entry (the right one) still counts.
    const forged = [];
    for (const xff of ['1.1.1.1, 203.0.113.9', '2.2.2.2, 203.0.113.9', '3.3.3.3, 203.0.113.9']) forged.push((await attempt(xff)).status);
    expect(forged).toEqual([401, 401, 429]);
  });

  it('addresses: only the listed proxies are believed', async () => {
    sys = await startTestSystem({ env: { TRUST_PROXY: '127.0.0.1' }, overrides: limits() });
    // Through the trusted proxy: two clients, two budgets.
    expect([(await attempt('203.0.113.1')).status, (await attempt('203.0.113.2')).status, (await attempt('203.0.113.2')).status]).toEqual([401, 401, 401]);
    // From an address that is not a trusted proxy, X-Forwarded-For is ignored.
    const direct = [];
    for (const xff of ['203.0.113.3', '203.0.113.4', '203.0.113.5']) direct.push((await attempt(xff, '127.0.0.9')).status);
    expect(direct).toEqual([401, 401, 429]);
  });
});

describe('TRUST_PROXY in the gateway', () => {
  let upstream: Server;
  let forwarded: string[] = [];
  let sys: TestSystem | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), 'mercato-trust-'));
  afterEach(async () => {
    await sys?.stop();
    sys = undefined;
    upstream?.close();
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  async function gateway(env: Record<string, string>): Promise<TestSystem> {
    forwarded = [];
    upstream = createServer((req, res) => {
      if (req.url !== '/health/ready') forwarded.push(String(req.headers['x-forwarded-for']));
      res.setHeader('content-type', 'application/json');
      res.end('{}');
    });
    upstream.listen(0, '127.0.0.1');
    await once(upstream, 'listening');
    const url = `http://127.0.0.1:${(upstream.address() as { port: number }).port}`;
    const services = Object.fromEntries(['USER', 'CATALOG', 'INVENTORY', 'ORDER', 'PAYMENT', 'NOTIFICATION'].map((m) => [`SERVICE_URLS_${m}`, url]));
    sys = await startTestSystem({ env: { MODULES: 'gateway', EVENT_BUS: 'memory', DATA_DIR: dataDir, ...services, ...env } });
    return sys;
  }

  /** The module process behind this gateway is a fixture answering `{}`, not the documented API. */
  const upstreamClient = (url: string) => httpClient(url, { contract: false });

  it('unset: tells the module process the socket peer as the client', async () => {
    const gw = await gateway({});
    await upstreamClient(gw.url).get('/api/v1/products', { headers: { 'x-forwarded-for': '203.0.113.7' } });
    expect(
      forwarded
        .at(-1)
        ?.split(',')
        .map((s) => s.trim())
        .at(-1),
    ).toBe('127.0.0.1');
  });

  it('one hop: tells the module process the client its proxy named', async () => {
    const gw = await gateway({ TRUST_PROXY: '1' });
    await upstreamClient(gw.url).get('/api/v1/products', { headers: { 'x-forwarded-for': '6.6.6.6, 203.0.113.7' } });
    expect(
      forwarded
        .at(-1)
        ?.split(',')
        .map((s) => s.trim())
        .at(-1),
    ).toBe('203.0.113.7');
  });
});
