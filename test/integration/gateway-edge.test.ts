import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpClient, type HttpClient } from '../support/http-client.js';
import { startTestSystem, type TestSystem } from '../support/test-system.js';
import { expectNoServerErrors } from '../support/assertions.js';

/**
 * The gateway in this process, in front of a fake module process that records what reaches it:
 * what a client sends cannot be turned into failures of an instance (which would open its
 * circuit breaker for everyone).
 */

/** A stand-in for every module process: healthy, answers 200 with the path it was asked for. */
async function fakeUpstream(): Promise<{ url: string; seen: string[]; server: Server }> {
  const seen: string[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    // Health probes and the gateway's own fetch of the token keys are not forwarded requests.
    if (req.url !== '/health/ready' && req.url !== '/.well-known/jwks.json') seen.push(req.url ?? '');
    res.setHeader('content-type', 'application/json');
    res.end(req.url === '/.well-known/jwks.json' ? '{"keys":[]}' : JSON.stringify({ path: req.url }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, seen, server };
}

/** One raw HTTP/1.1 request, so that the request target can be anything Node's parser accepts. */
function rawRequest(url: string, head: string, body = ''): Promise<{ status: number; text: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('error', reject);
    socket.on('end', () => resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text }));
    socket.write(`${head}\r\nConnection: close\r\n\r\n${body}`);
  });
}

const MODULES = ['user', 'catalog', 'inventory', 'order', 'payment', 'notification'];

describe('gateway: what a client sends never trips a breaker', () => {
  let upstream: Awaited<ReturnType<typeof fakeUpstream>>;
  let sys: TestSystem;
  let http: HttpClient;
  let dataDir: string;

  beforeAll(async () => {
    upstream = await fakeUpstream();
    dataDir = mkdtempSync(join(tmpdir(), 'mercato-gateway-'));
    sys = await startTestSystem({
      env: {
        MODULES: 'gateway',
        EVENT_BUS: 'memory',
        DATA_DIR: dataDir,
        ...Object.fromEntries(MODULES.map((m) => [`SERVICE_URLS_${m.toUpperCase()}`, upstream.url])),
      },
      overrides: { gateway: { breakerThreshold: 3, breakerHalfOpenMs: 60_000, healthIntervalMs: 60_000 } },
    });
    // The upstream is a fixture that echoes what reached it, not the API the document describes.
    http = httpClient(sys.url, { contract: false });
  });
  afterAll(async () => {
    await sys?.stop();
    upstream?.server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('forwards an absolute-form target by its path and query, and a burst of them leaves the breaker closed', async () => {
    const targets = [
      'http://x/api/v1/products',
      'http://x/api/v1/products?limit=1',
      'https://evil.example:8443/api/v1/orders?x=1',
      'http://[::1]/api/v1/products',
      'http://user:pass@x/api/v1/products',
    ];
    for (let round = 0; round < 3; round++) {
      for (const target of targets) {
        const res = await rawRequest(sys.url, `GET ${target} HTTP/1.1\r\nHost: x`);
        expect(res.status, `${target}: ${res.text}`).toBeLessThan(500);
      }
    }
    // Each reached the module as origin-form, never with the client's scheme or authority.
    expect(upstream.seen.length).toBeGreaterThan(0);
    for (const path of upstream.seen) expect(path).toMatch(/^\/api\/v1\//);
    expect(upstream.seen).toContain('/api/v1/products?limit=1');
    expect(upstream.seen).toContain('/api/v1/orders?x=1');

    // The instance is still in service for everyone.
    const res = await http.get('/api/v1/products');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ path: '/api/v1/products' });
  });

  it('never lets a path make the gateway talk to another host', async () => {
    const before = upstream.seen.length;
    for (const target of ['//evil.example/api/v1/products', '/api/v1/products/..//evil.example/x', '/api/v1/products//evil.example']) {
      const res = await rawRequest(sys.url, `GET ${target} HTTP/1.1\r\nHost: x`);
      expect(res.status, `${target}: ${res.text}`).toBeLessThan(500);
    }
    // Whatever reached the fake module reached it (the only host the gateway knows).
    expect(upstream.seen.length).toBeGreaterThanOrEqual(before);
    expect((await http.get('/api/v1/products')).status).toBe(200);
  });

  it('routes paths without regard to letter case, as the module processes match them', async () => {
    const res = await http.get('/API/V1/Products?limit=2');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ path: '/API/V1/Products?limit=2' });
  });

  it('answered none of it with a 5xx', async () => {
    await expectNoServerErrors(http);
  });
});
