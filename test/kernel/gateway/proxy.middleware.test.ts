import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceTokenIssuer } from '../../../src/kernel/auth/service-tokens.js';
import { proxyMiddleware } from '../../../src/kernel/gateway/proxy.middleware.js';
import { RouteTable } from '../../../src/kernel/gateway/route-table.js';
import { UpstreamPool } from '../../../src/kernel/gateway/upstream.pool.js';

const LARGE = 'x'.repeat(600 * 1024);

/** What the module process answers, by path. */
function upstream(req: IncomingMessage, res: ServerResponse): void {
  const seen = { token: req.headers['x-mercato-service-token'], method: req.method };
  if (req.url === '/api/v1/things/small') {
    const body = JSON.stringify({ ok: true, seen });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-upstream': 'yes' });
    res.end(req.method === 'HEAD' ? undefined : body);
  } else if (req.url === '/api/v1/things/chunked') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('part one, ');
    setTimeout(() => res.end('part two'), 20);
  } else if (req.url === '/api/v1/things/large') {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': LARGE.length });
    res.end(LARGE);
  } else if (req.url === '/api/v1/things/none') {
    res.writeHead(204);
    res.end();
  } else {
    res.writeHead(404, { 'content-type': 'application/json', 'content-length': 2 });
    res.end('{}');
  }
}

// An unhandled error anywhere (e.g. an unread upstream body destroyed after the answer) fails the file.
describe('gateway proxy: answers passed on', () => {
  let module: Server;
  let gateway: Server;
  let base: string;
  let pool: UpstreamPool;

  beforeAll(async () => {
    module = createServer(upstream).listen(0, '127.0.0.1');
    await once(module, 'listening');
    const logger = pino({ level: 'silent' });
    pool = new UpstreamPool(
      'things',
      [`http://127.0.0.1:${(module.address() as AddressInfo).port}`],
      { healthIntervalMs: 60_000, healthTimeoutMs: 1_000, breakerThreshold: 3, breakerHalfOpenMs: 5_000 },
      logger,
    );
    const app = new Koa();
    app.use(
      proxyMiddleware({
        routes: new RouteTable([{ name: 'things', routePrefixes: ['/api/v1/things'] }]),
        pools: new Map([['things', pool]]),
        serviceTokens: { tokenFor: async () => 'service-token' } as unknown as ServiceTokenIssuer,
        timeoutMs: 5_000,
        bodyLimit: '100kb',
        logger,
      }),
    );
    gateway = app.listen(0, '127.0.0.1');
    await once(gateway, 'listening');
    base = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    pool.stop();
    gateway.close();
    module.close();
  });

  it('passes a small answer on whole, with its status, headers and exact length', async () => {
    const res = await fetch(`${base}/api/v1/things/small`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-upstream')).toBe('yes');
    const text = await res.text();
    expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(text)));
    expect(JSON.parse(text)).toEqual({ ok: true, seen: { token: 'service-token', method: 'GET' } });
  });

  it('streams an answer of unknown length and one above the buffering limit', async () => {
    const chunked = await fetch(`${base}/api/v1/things/chunked`);
    expect(await chunked.text()).toBe('part one, part two');
    const large = await fetch(`${base}/api/v1/things/large`);
    expect(large.status).toBe(200);
    expect((await large.text()).length).toBe(LARGE.length);
  });

  it('answers HEAD and 204 without a body', async () => {
    const head = await fetch(`${base}/api/v1/things/small`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('x-upstream')).toBe('yes');
    expect(Number(head.headers.get('content-length'))).toBeGreaterThan(0);
    expect(await head.text()).toBe('');
    const none = await fetch(`${base}/api/v1/things/none`);
    expect(none.status).toBe(204);
    expect(await none.text()).toBe('');
  });

  it('passes an error answer on as it is', async () => {
    const res = await fetch(`${base}/api/v1/things/missing`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({});
  });
});
