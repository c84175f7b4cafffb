import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessTokenSigner } from '../../../src/kernel/auth/access-token.signer.js';
import { ServiceTokenIssuer, ServiceTokenVerifier } from '../../../src/kernel/auth/service-tokens.js';
import { generateSigningKeySet } from '../../../src/kernel/auth/signing-keys.js';
import { zeroTrustMiddleware } from '../../../src/kernel/auth/zero-trust.middleware.js';
import { problemMiddleware } from '../../../src/kernel/http/problem.middleware.js';
import pino from 'pino';

/**
 * A module process behind the gateway: only requests the gateway relayed (with a service token for
 * one of its modules) get through, so nobody skips the gateway's rate limits by calling the
 * process directly, even with a valid user token. Probes, metrics and public keys stay open.
 */
describe('zero trust in a module process behind the gateway', () => {
  let server: Server;
  let base: string;
  let serviceToken: string;
  let otherModuleToken: string;
  let userToken: string;
  let seenIp = '';

  beforeAll(async () => {
    const gatewayKeys = await generateSigningKeySet();
    const issuer = new ServiceTokenIssuer(gatewayKeys);
    serviceToken = await issuer.tokenFor('catalog');
    otherModuleToken = await issuer.tokenFor('order');
    const userKeys = await generateSigningKeySet();
    userToken = (
      await new AccessTokenSigner(userKeys, { issuer: 'mercato', audience: 'mercato-api', ttlSeconds: 600 }).sign({ subject: 'u1', role: 'customer' })
    ).token;

    const app = new Koa();
    app.silent = true;
    app.use(problemMiddleware(pino({ level: 'silent' })));
    app.use(zeroTrustMiddleware(new ServiceTokenVerifier({ kind: 'local', keys: gatewayKeys }, ['catalog'])));
    app.use((ctx) => {
      seenIp = ctx.ip;
      ctx.body = { ok: true };
    });
    server = createServer(app.callback()).listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => server?.close());

  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${base}${path}`, { headers });

  it('refuses a valid user token sent directly', async () => {
    const res = await get('/api/v1/products', { authorization: `Bearer ${userToken}` });
    expect(res.status).toBe(401);
  });

  it('refuses anonymous requests, forged service tokens and tokens for another module', async () => {
    expect((await get('/api/v1/products')).status).toBe(401);
    expect((await get('/api/v1/products', { 'x-mercato-service-token': 'not-a-token' })).status).toBe(401);
    expect((await get('/api/v1/products', { 'x-mercato-service-token': otherModuleToken })).status).toBe(401);
  });

  it('serves what the gateway relayed, with the client address it vouched for', async () => {
    const res = await get('/api/v1/products', {
      'x-mercato-service-token': serviceToken,
      authorization: `Bearer ${userToken}`,
      'x-forwarded-for': '6.6.6.6, 203.0.113.7',
    });
    expect(res.status).toBe(200);
    expect(seenIp).toBe('203.0.113.7');
  });

  it('leaves probes, metrics and public keys open', async () => {
    for (const path of ['/health/live', '/health/ready', '/metrics', '/.well-known/jwks.json']) expect((await get(path)).status, path).toBe(200);
  });
});
