import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, it, expect } from 'vitest';
import { AccessTokenSigner } from '../../../../src/kernel/auth/access-token.signer.js';
import { AccessTokenVerifier } from '../../../../src/kernel/auth/access-token.verifier.js';
import { generateSigningKeySet } from '../../../../src/kernel/auth/signing-keys.js';
import { UnauthorizedError } from '../../../../src/kernel/http/http.errors.js';

const opts = { issuer: 'https://auth.mercato.test', audience: 'mercato-api' };

function serve(body: () => string, status = 200): Promise<{ server: Server; url: string }> {
  const server = createServer((_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(body());
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, url: `http://127.0.0.1:${port}/.well-known/jwks.json` });
    });
  });
}

describe('AccessTokenVerifier with a remote JWKS', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(
      servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
    );
  });

  it('verifies a token against keys fetched over HTTP', async () => {
    const keys = await generateSigningKeySet();
    const { server, url } = await serve(() => JSON.stringify(keys.jwks()));
    servers.push(server);
    const { token } = await new AccessTokenSigner(keys, { ...opts, ttlSeconds: 600 }).sign({
      subject: 's-1',
      role: 'customer',
    });

    const verifier = new AccessTokenVerifier({ kind: 'remote', url }, opts);
    expect(await verifier.verify(token)).toEqual({ subject: 's-1', role: 'customer' });
  });

  it('refuses with 401 when the JWKS cannot be fetched', async () => {
    const keys = await generateSigningKeySet();
    const { server, url } = await serve(() => 'oops', 500);
    servers.push(server);
    const { token } = await new AccessTokenSigner(keys, { ...opts, ttlSeconds: 600 }).sign({
      subject: 's-1',
      role: 'customer',
    });

    const verifier = new AccessTokenVerifier({ kind: 'remote', url }, opts);
    await expect(verifier.verify(token)).rejects.toBeInstanceOf(UnauthorizedError);
  });
});
