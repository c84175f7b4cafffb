import { describe, it, expect } from 'vitest';
import { SignJWT, decodeProtectedHeader, exportJWK, generateKeyPair } from 'jose';
import { AccessTokenSigner } from '../../../src/kernel/auth/access-token.signer.js';
import { AccessTokenVerifier } from '../../../src/kernel/auth/access-token.verifier.js';
import { generateSigningKeySet, signingKeySetFromJwks } from '../../../src/kernel/auth/signing-keys.js';
import { UnauthorizedError } from '../../../src/kernel/errors/http.errors.js';

const issuer = 'https://auth.mercato.test';
const audience = 'mercato-api';
const opts = { issuer, audience };

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const nowSeconds = () => Math.floor(Date.now() / 1000);

async function setup(ttlSeconds = 900) {
  const keys = await generateSigningKeySet();
  const signer = new AccessTokenSigner(keys, { ...opts, ttlSeconds });
  const verifier = new AccessTokenVerifier({ kind: 'local', keys }, opts);
  return { keys, signer, verifier };
}

async function expectUnauthorized(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UnauthorizedError);
  expect((error as UnauthorizedError).status).toBe(401);
  expect((error as UnauthorizedError).message).toBe('The access token is invalid or expired.');
}

describe('AccessTokenSigner + AccessTokenVerifier', () => {
  it('round-trips subject, role and email', async () => {
    const { signer, verifier } = await setup();
    const { token, expiresIn } = await signer.sign({ subject: 's-1', role: 'admin', email: 'a@example.test' });
    expect(expiresIn).toBe(900);
    expect(await verifier.verify(token)).toEqual({ subject: 's-1', role: 'admin', email: 'a@example.test' });
  });

  it('omits email when not given', async () => {
    const { signer, verifier } = await setup();
    const { token } = await signer.sign({ subject: 's-1', role: 'customer' });
    const principal = await verifier.verify(token);
    expect(principal).toEqual({ subject: 's-1', role: 'customer' });
    expect(principal).not.toHaveProperty('email');
  });

  it('writes the expected header and registered claims', async () => {
    const { keys, signer } = await setup();
    const { token } = await signer.sign({ subject: 's-1', role: 'customer' });
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'ES256', kid: keys.active.kid, typ: 'JWT' });
    const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(payload).toMatchObject({ sub: 's-1', role: 'customer', iss: issuer, aud: audience });
    expect(payload.exp).toBe((payload.iat as number) + 900);
    expect(payload.nbf).toBe(payload.iat);
    expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('rejects a tampered payload', async () => {
    const { signer, verifier } = await setup();
    const { token } = await signer.sign({ subject: 's-1', role: 'customer' });
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const forged = `${header}.${b64url({ ...claims, role: 'admin' })}.${signature}`;
    await expectUnauthorized(verifier.verify(forged));
  });

  it('rejects an unsigned alg:none token', async () => {
    const { keys, verifier } = await setup();
    const now = nowSeconds();
    const header = b64url({ alg: 'none', typ: 'JWT', kid: keys.active.kid });
    const payload = b64url({ sub: 's-1', role: 'admin', iss: issuer, aud: audience, iat: now, exp: now + 600 });
    await expectUnauthorized(verifier.verify(`${header}.${payload}.`));
  });

  it('rejects an HS256 token', async () => {
    const { keys, verifier } = await setup();
    const token = await new SignJWT({ role: 'admin' })
      .setProtectedHeader({ alg: 'HS256', kid: keys.active.kid })
      .setSubject('s-1')
      .setIssuer(issuer)
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode('a-shared-secret-that-is-long-enough-for-hs256'));
    await expectUnauthorized(verifier.verify(token));
  });

  it('rejects an expired token, beyond the clock tolerance', async () => {
    const { signer, verifier } = await setup(-120);
    const { token } = await signer.sign({ subject: 's-1', role: 'customer' });
    await expectUnauthorized(verifier.verify(token));
  });

  it('tolerates small clock skew on exp', async () => {
    const { signer, verifier } = await setup(-5);
    const { token } = await signer.sign({ subject: 's-1', role: 'customer' });
    await expect(verifier.verify(token)).resolves.toMatchObject({ subject: 's-1' });
  });

  it('rejects a token not valid yet', async () => {
    const { keys, verifier } = await setup();
    const now = nowSeconds();
    const token = await new SignJWT({ role: 'customer' })
      .setProtectedHeader({ alg: 'ES256', kid: keys.active.kid, typ: 'JWT' })
      .setSubject('s-1')
      .setIssuer(issuer)
      .setAudience(audience)
      .setIssuedAt(now)
      .setNotBefore(now + 300)
      .setExpirationTime(now + 900)
      .sign(keys.active.privateKey);
    await expectUnauthorized(verifier.verify(token));
  });

  it('rejects a token for another audience', async () => {
    const { keys, verifier } = await setup();
    const signer = new AccessTokenSigner(keys, { issuer, audience: 'another-api', ttlSeconds: 600 });
    await expectUnauthorized(verifier.verify((await signer.sign({ subject: 's-1', role: 'customer' })).token));
  });

  it('rejects a token from another issuer', async () => {
    const { keys, verifier } = await setup();
    const signer = new AccessTokenSigner(keys, { issuer: 'https://evil.test', audience, ttlSeconds: 600 });
    await expectUnauthorized(verifier.verify((await signer.sign({ subject: 's-1', role: 'customer' })).token));
  });

  it('rejects a token signed by another key set, even when it claims a known kid', async () => {
    const { keys, verifier } = await setup();
    const other = await generateSigningKeySet();
    const foreign = await new AccessTokenSigner(other, { ...opts, ttlSeconds: 600 }).sign({
      subject: 's-1',
      role: 'admin',
    });
    await expectUnauthorized(verifier.verify(foreign.token));

    const spoofed = await new SignJWT({ role: 'admin' })
      .setProtectedHeader({ alg: 'ES256', kid: keys.active.kid, typ: 'JWT' })
      .setSubject('s-1')
      .setIssuer(issuer)
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(other.active.privateKey);
    await expectUnauthorized(verifier.verify(spoofed));
  });

  it.each([
    ['no sub', { role: 'customer' }],
    ['no role', { sub: 's-1' }],
    ['a non-string role', { sub: 's-1', role: ['admin'] }],
    ['a non-string email', { sub: 's-1', role: 'customer', email: 42 }],
  ])('rejects a token with %s', async (_label, claims) => {
    const { keys, verifier } = await setup();
    const token = await new SignJWT(claims as Record<string, unknown>)
      .setProtectedHeader({ alg: 'ES256', kid: keys.active.kid, typ: 'JWT' })
      .setIssuer(issuer)
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(keys.active.privateKey);
    await expectUnauthorized(verifier.verify(token));
  });

  it('rejects a token without exp', async () => {
    const { keys, verifier } = await setup();
    const token = await new SignJWT({ role: 'customer' })
      .setProtectedHeader({ alg: 'ES256', kid: keys.active.kid, typ: 'JWT' })
      .setSubject('s-1')
      .setIssuer(issuer)
      .setAudience(audience)
      .setIssuedAt()
      .sign(keys.active.privateKey);
    await expectUnauthorized(verifier.verify(token));
  });

  it.each(['', 'garbage', 'a.b.c', 'e30.e30.'])('rejects the malformed token %j', async (token) => {
    const { verifier } = await setup();
    await expectUnauthorized(verifier.verify(token));
  });

  it('keeps verifying tokens signed by the older key after rotation', async () => {
    const jwk = async () => exportJWK((await generateKeyPair('ES256', { extractable: true })).privateKey);
    const older = await jwk();
    const newer = await jwk();
    const before = await signingKeySetFromJwks(JSON.stringify([older]));
    const after = await signingKeySetFromJwks(JSON.stringify([newer, older]));

    const oldToken = (await new AccessTokenSigner(before, { ...opts, ttlSeconds: 600 }).sign({ subject: 's-1', role: 'customer' })).token;
    const newToken = (await new AccessTokenSigner(after, { ...opts, ttlSeconds: 600 }).sign({ subject: 's-2', role: 'customer' })).token;
    expect(decodeProtectedHeader(newToken).kid).toBe(after.active.kid);
    expect(decodeProtectedHeader(oldToken).kid).toBe(after.all[1]?.kid);

    const verifier = new AccessTokenVerifier({ kind: 'local', keys: after }, opts);
    await expect(verifier.verify(oldToken)).resolves.toMatchObject({ subject: 's-1' });
    await expect(verifier.verify(newToken)).resolves.toMatchObject({ subject: 's-2' });
  });
});
