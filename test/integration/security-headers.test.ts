import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/kernel/config/config.loader.js';
import { httpClient, type HttpClient } from '../support/http-client.js';
import { startTestSystem, useTestSystem } from '../support/test-system.js';

const ALLOWED = 'https://shop.example';
const OTHER = 'https://evil.example';

function expectSecurityHeaders(headers: Headers) {
  expect(headers.get('x-powered-by')).toBeNull();
  expect(headers.get('x-content-type-options')).toBe('nosniff');
  const csp = headers.get('content-security-policy') ?? '';
  expect(csp).toContain("default-src 'none'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
  // Browsers keep to HTTPS for a year once they saw this over HTTPS (the TLS proxy in front).
  expect(headers.get('strict-transport-security')).toMatch(/^max-age=(3153600\d|[4-9]\d{7,}); includeSubDomains$/);
}

describe('security headers and CORS', () => {
  const sys = useTestSystem({ env: { CORS_ORIGINS: `${ALLOWED}, https://admin.example` } });
  let http: HttpClient;
  beforeAll(async () => {
    http = httpClient(sys.url);
  });

  it('puts nosniff and a strict CSP on every response, and no X-Powered-By', async () => {
    const responses = await Promise.all([
      http.get('/health/live'),
      http.get('/api/v1/products'),
      http.get('/api/v1/nowhere'),
      http.get('/api/v1/users/me'),
      http.get('/api/v1/users/me', { token: 'not-a-token' }),
      http.post('/api/v1/auth/token', '{broken'),
      http.request('DELETE', '/api/v1/products'),
      http.get('/api/openapi.json'),
      http.get('/metrics'),
    ]);
    expect(responses.map((r) => r.status)).toEqual([200, 200, 404, 401, 401, 400, 405, 200, 200]);
    for (const res of responses) expectSecurityHeaders(res.headers);
  });

  it('answers a preflight from an allowed origin with the Access-Control-Allow-* headers', async () => {
    const res = await http.request('OPTIONS', '/api/v1/orders', {
      headers: { origin: ALLOWED, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type, idempotency-key' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
    const allowHeaders = (res.headers.get('access-control-allow-headers') ?? '').toLowerCase();
    for (const h of ['authorization', 'content-type', 'idempotency-key']) expect(allowHeaders).toContain(h);
    expect(res.headers.get('access-control-max-age')).toMatch(/^\d+$/);
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    expect(res.headers.get('vary')).toMatch(/origin/i);
    expectSecurityHeaders(res.headers);
  });

  it('marks actual responses to an allowed origin, exposing the headers clients need', async () => {
    const res = await http.get('/api/v1/products', { headers: { origin: ALLOWED } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(res.headers.get('access-control-expose-headers')).toMatch(/X-Request-Id/i);
  });

  it('gives a disallowed origin no CORS header at all, preflight or not', async () => {
    const preflight = await http.request('OPTIONS', '/api/v1/orders', { headers: { origin: OTHER, 'access-control-request-method': 'POST' } });
    const simple = await http.get('/api/v1/products', { headers: { origin: OTHER } });
    for (const res of [preflight, simple]) {
      expect(res.status).toBeLessThan(500);
      for (const name of res.headers.keys()) expect(name).not.toMatch(/^access-control-/);
    }
    // Prefix tricks do not match either.
    const lookalike = await http.get('/api/v1/products', { headers: { origin: `${ALLOWED}.evil.example` } });
    expect(lookalike.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('CORS configuration', () => {
  it('allows no origin by default', async () => {
    const sys = await startTestSystem();
    try {
      const res = await httpClient(sys.url).request('OPTIONS', '/api/v1/orders', { headers: { origin: ALLOWED, 'access-control-request-method': 'POST' } });
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      expect(sys.system.config.http.cors.origins).toEqual([]);
    } finally {
      await sys.stop();
    }
  });

  it('reads CORS_ORIGINS as a comma list and refuses a value that is not an origin', () => {
    expect(loadConfig({ NODE_ENV: 'test', CORS_ORIGINS: 'https://a.example, https://b.example:8443' }).http.cors.origins).toEqual([
      'https://a.example',
      'https://b.example:8443',
    ]);
    expect(() => loadConfig({ NODE_ENV: 'test', CORS_ORIGINS: 'not an origin' })).toThrow(/http\.cors\.origins/);
  });
});
