import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { upstreamUrl } from '../../../src/kernel/gateway/proxy.middleware.js';
import { NoUpstreamError, UnsendableRequestError, UpstreamPool } from '../../../src/kernel/gateway/upstream.pool.js';
import { HttpError } from '../../../src/kernel/errors/http.errors.js';

const OPTIONS = { healthIntervalMs: 60_000, healthTimeoutMs: 1_000, breakerThreshold: 3, breakerHalfOpenMs: 60_000 };
const withCode = (code: string) => Object.assign(new Error(code), { code });

describe('upstream pool: what opens an instance breaker', () => {
  it('never counts errors raised while a request is put together, before it leaves', async () => {
    const pool = new UpstreamPool('catalog', ['http://127.0.0.1:1'], OPTIONS, pino({ level: 'silent' }));
    const [upstream] = pool.candidates();
    const refusals = [
      withCode('ERR_INVALID_URL'),
      withCode('UND_ERR_INVALID_ARG'),
      withCode('UND_ERR_NOT_SUPPORTED'),
      withCode('ERR_INVALID_ARG_VALUE'),
      withCode('ERR_INVALID_HTTP_TOKEN'),
      new UnsendableRequestError('no'),
    ];
    for (let round = 0; round < 3; round++) {
      for (const err of refusals) await expect(pool.execute(upstream!, () => Promise.reject(err))).rejects.toBe(err);
    }
    expect(pool.candidates()).toHaveLength(1);
  });

  it('opens after consecutive failures of the instance itself', async () => {
    const pool = new UpstreamPool('catalog', ['http://127.0.0.1:1'], OPTIONS, pino({ level: 'silent' }));
    const [upstream] = pool.candidates();
    for (let i = 0; i < 3; i++) await expect(pool.execute(upstream!, () => Promise.reject(withCode('ECONNRESET')))).rejects.toThrow();
    expect(pool.candidates()).toHaveLength(0);
    await expect(pool.execute(upstream!, () => Promise.resolve(1))).rejects.toBeInstanceOf(NoUpstreamError);
  });
});

describe('upstream pool: which instances take a request', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });

  /** Probes given ample time: a loaded machine must not turn a slow answer into no answer. */
  const PROBED = { ...OPTIONS, healthTimeoutMs: 10_000 };

  /** An instance whose readiness answers as told, and which serves every other request. */
  async function instance(ready: boolean): Promise<string> {
    const server = createServer((req, res) => {
      res.writeHead(req.url === '/health/ready' && !ready ? 503 : 200).end();
    });
    servers.push(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('sends only to the instances that pass their health check while any does', async () => {
    const ready = await instance(true);
    const pool = new UpstreamPool('order', [ready, await instance(false)], PROBED, pino({ level: 'silent' }));
    await pool.start();
    pool.stop();
    for (let i = 0; i < 4; i++) expect(pool.candidates().map((u) => u.url)).toEqual([ready]);
  });

  it('sends to the instances that answer their probe when none passes it (a broker down fails every replica), until their breakers open', async () => {
    const urls = [await instance(false), await instance(false)];
    const pool = new UpstreamPool('order', [...urls, 'http://127.0.0.1:1'], PROBED, pino({ level: 'silent' }));
    await pool.start();
    pool.stop();
    expect(pool.instances().map((i) => i.healthy)).toEqual([false, false, false]);
    // The third answers nothing (no process on its port): never tried.
    expect(
      pool
        .candidates()
        .map((u) => u.url)
        .sort(),
    ).toEqual([...urls].sort());
    for (const upstream of pool.candidates()) {
      for (let i = 0; i < 3; i++) await expect(pool.execute(upstream, () => Promise.reject(withCode('ECONNREFUSED')))).rejects.toThrow();
    }
    expect(pool.candidates()).toEqual([]);
  });

  it('puts an instance whose breaker opened back into service once its probe is answered, ready or not', async () => {
    const url = await instance(false);
    const pool = new UpstreamPool('order', [url], PROBED, pino({ level: 'silent' }));
    await pool.start();
    pool.stop();
    const [upstream] = pool.candidates();
    for (let i = 0; i < 3; i++) await expect(pool.execute(upstream!, () => Promise.reject(withCode('ECONNRESET')))).rejects.toThrow();
    expect(pool.candidates()).toEqual([]);
    // A restarted replica, still not ready because the broker is down.
    await pool.start();
    pool.stop();
    expect(pool.candidates().map((u) => u.url)).toEqual([url]);
  });
});

describe('upstream URL', () => {
  const base = 'http://127.0.0.1:3002';
  it('is the instance origin with the parsed path and query', () => {
    expect(upstreamUrl(base, '/api/v1/products', 'limit=1').href).toBe('http://127.0.0.1:3002/api/v1/products?limit=1');
    expect(upstreamUrl(base, '/api/v1/products', '').href).toBe('http://127.0.0.1:3002/api/v1/products');
    // A path that looks like an authority stays a path on the instance.
    expect(upstreamUrl(base, '//evil.example/x', '').host).toBe('127.0.0.1:3002');
  });

  it('refuses, as the client fault, what URL parsing would route elsewhere', () => {
    for (const path of [
      '/api/v1/users/../auth/token',
      '/api/v1/users/%2e%2E/auth/token',
      '/api/v1/users/./x',
      '/api/v1/users\\..\\auth',
      'api/v1/users',
      'http://x/api',
    ]) {
      let thrown: unknown;
      try {
        upstreamUrl(base, path, '');
      } catch (err) {
        thrown = err;
      }
      expect(thrown, path).toBeInstanceOf(HttpError);
      expect((thrown as HttpError).status).toBe(400);
    }
  });
});
