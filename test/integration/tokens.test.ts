import { createHash } from 'node:crypto';
import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import type { UnitOfWork } from '../../src/kernel/events/unit-of-work.js';
import { TOKENS } from '../../src/kernel/tokens.js';
import { RefreshTokenSchema } from '../../src/modules/user/infrastructure/refresh-token.schema.js';
import { httpClient, type HttpClient } from '../support/http-client.js';
import { startTestSystem, useTestSystem } from '../support/test-system.js';
import { expectFieldErrors, expectNoServerErrors, expectProblem } from '../support/assertions.js';

const PASSWORD = 'correct-horse-1';
const TOKEN_PATH = '/api/v1/auth/token';
const REVOKE_PATH = '/api/v1/auth/revoke';
const OPAQUE = /^[A-Za-z0-9_-]{43}$/;

interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token: string;
}

async function signIn(http: HttpClient, email: string): Promise<TokenResponse> {
  const res = await http.post<TokenResponse>(TOKEN_PATH, { grant_type: 'password', email, password: PASSWORD });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

const refresh = (http: HttpClient, refreshToken: string) => http.post<TokenResponse>(TOKEN_PATH, { grant_type: 'refresh_token', refresh_token: refreshToken });

async function expectInvalidGrant(http: HttpClient, refreshToken: string): Promise<void> {
  const res = await refresh(http, refreshToken);
  expectProblem(res, 401);
  expect((res.body as unknown as { detail: string }).detail).toBe('The refresh token is invalid, expired or revoked.');
}

describe('refresh tokens', () => {
  const sys = useTestSystem();
  let http: HttpClient;
  let userId: string;
  beforeAll(async () => {
    http = httpClient(sys.url);
    userId = (await http.signUp('refresh@example.com', PASSWORD)).id;
  });

  it('the password grant also answers an opaque refresh token, stored only as its SHA-256', async () => {
    const res = await http.post(TOKEN_PATH, { email: 'refresh@example.com', password: PASSWORD });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: expect.any(Number),
      refresh_token: expect.stringMatching(OPAQUE),
    });
    expect(res.headers.get('cache-control')).toBe('no-store');

    const uow = sys.system.modules.get('user')!.container.resolve<UnitOfWork>(TOKENS.UnitOfWork);
    const rows = await uow.reader().find(RefreshTokenSchema, { userId });
    const hash = createHash('sha256').update(res.body.refresh_token).digest('hex');
    expect(rows.map((r) => r.tokenHash)).toContain(hash);
    expect(JSON.stringify(rows)).not.toContain(res.body.refresh_token);
  });

  it('rotates: a refresh answers a new access token and a new refresh token; the old one is spent', async () => {
    const first = await signIn(http, 'refresh@example.com');
    const res = await refresh(http, first.refresh_token);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: expect.any(Number),
      refresh_token: expect.stringMatching(OPAQUE),
    });
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body.refresh_token).not.toBe(first.refresh_token);
    expect(res.body.access_token).not.toBe(first.access_token);
    expect(decodeJwt(res.body.access_token)).toMatchObject({ sub: userId, role: 'customer', email: 'refresh@example.com' });
    expect((await http.get('/api/v1/users/me', { token: res.body.access_token })).status).toBe(200);

    // And again with the newest one: a chain of rotations.
    const third = await refresh(http, res.body.refresh_token);
    expect(third.status).toBe(200);
    expect(third.body.refresh_token).not.toBe(res.body.refresh_token);
  });

  it('reuse of a spent refresh token revokes the whole family, the newest token included', async () => {
    const first = await signIn(http, 'refresh@example.com');
    const other = await signIn(http, 'refresh@example.com'); // another session (family)
    const second = (await refresh(http, first.refresh_token)).body;
    const third = (await refresh(http, second.refresh_token)).body;
    expect(third.refresh_token).toMatch(OPAQUE);

    // An attacker (or the victim) replays the first token.
    await expectInvalidGrant(http, first.refresh_token);
    // The legitimate holder's newest token is dead too, as is every older one.
    await expectInvalidGrant(http, third.refresh_token);
    await expectInvalidGrant(http, second.refresh_token);
    // Another sign-in's family is untouched.
    expect((await refresh(http, other.refresh_token)).status).toBe(200);
  });

  it('lets only one of two concurrent refreshes with the same token win, and treats the other as reuse', async () => {
    const session = await signIn(http, 'refresh@example.com');
    const results = await Promise.all([refresh(http, session.refresh_token), refresh(http, session.refresh_token)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
    const winner = results.find((r) => r.status === 200)!;
    await expectInvalidGrant(http, winner.body.refresh_token);
  });

  it('answers 401 for an unknown refresh token, and for an access token used as one', async () => {
    const session = await signIn(http, 'refresh@example.com');
    await expectInvalidGrant(http, 'A'.repeat(43));
    await expectInvalidGrant(http, session.access_token);
    // A miss does not hurt the real session.
    expect((await refresh(http, session.refresh_token)).status).toBe(200);
  });

  it('revokes a family with POST /api/v1/auth/revoke, and always answers 200', async () => {
    const session = await signIn(http, 'refresh@example.com');
    const other = await signIn(http, 'refresh@example.com');
    const rotated = (await refresh(http, session.refresh_token)).body;

    // Revoking the spent token of the family revokes its live one too.
    const res = await http.post(REVOKE_PATH, { token: session.refresh_token, token_type_hint: 'refresh_token' });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    await expectInvalidGrant(http, rotated.refresh_token);

    // Idempotent, and the same answer for unknown tokens and access tokens.
    expect((await http.post(REVOKE_PATH, { token: rotated.refresh_token })).status).toBe(200);
    expect((await http.post(REVOKE_PATH, { token: 'no-such-token' })).status).toBe(200);
    expect((await http.post(REVOKE_PATH, { token: other.access_token, token_type_hint: 'access_token' })).status).toBe(200);
    // Other sessions are unaffected.
    expect((await refresh(http, other.refresh_token)).status).toBe(200);
  });

  it('answers 400 for malformed grant and revoke bodies', async () => {
    expectFieldErrors(await http.post(TOKEN_PATH, { grant_type: 'refresh_token' }), ['refresh_token']);
    expectFieldErrors(await http.post(TOKEN_PATH, { grant_type: 'refresh_token', refresh_token: 7 }), ['refresh_token']);
    expectFieldErrors(await http.post(TOKEN_PATH, { grant_type: 'refresh_token', refresh_token: 'x', email: 'refresh@example.com' }), ['email']);
    expectFieldErrors(await http.post(TOKEN_PATH, { grant_type: 'authorization_code', code: 'x' }), ['grant_type']);
    expectFieldErrors(await http.post(REVOKE_PATH, {}), ['token']);
    expectFieldErrors(await http.post(REVOKE_PATH, { token: 'x', token_type_hint: 'id_token' }), ['token_type_hint']);
    expectFieldErrors(await http.post(REVOKE_PATH, { token: 'x', extra: true }), ['extra']);
  });

  it('answered every request without a 5xx', async () => {
    await expectNoServerErrors(http);
  });
});

describe('refresh token expiry', () => {
  const sys = useTestSystem({ overrides: { user: { refreshTokenTtlSeconds: 1 } } });
  let http: HttpClient;
  beforeAll(async () => {
    http = httpClient(sys.url);
    await http.signUp('expiry@example.com', PASSWORD);
  });

  it('refuses an expired refresh token with 401', async () => {
    const session = await signIn(http, 'expiry@example.com');
    const fresh = await refresh(http, session.refresh_token);
    expect(fresh.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    await expectInvalidGrant(http, fresh.body.refresh_token);
  });
});

describe('signing key rotation, end to end', () => {
  const privateJwk = async (): Promise<JWK> => ({
    ...(await exportJWK((await generateKeyPair('ES256', { extractable: true })).privateKey)),
    alg: 'ES256',
    use: 'sig',
  });
  const kidOf = (jwk: JWK) => calculateJwkThumbprint({ kty: jwk.kty!, crv: jwk.crv!, x: jwk.x!, y: jwk.y! }, 'sha256');
  let keyA: JWK;
  let keyB: JWK;
  let tokenA: string;
  let refreshA: string;

  beforeAll(async () => {
    keyA = await privateJwk();
    keyB = await privateJwk();
    // First deployment: key A only.
    const before = await startTestSystem({ env: { AUTH_SIGNING_KEYS: JSON.stringify([keyA]) } });
    try {
      const http = httpClient(before.url);
      await http.signUp('rotation@example.com', PASSWORD);
      const session = await signIn(http, 'rotation@example.com');
      tokenA = session.access_token;
      refreshA = session.refresh_token;
      expect((await http.get('/.well-known/jwks.json')).body.keys.map((k: JWK) => k.kid)).toEqual([await kidOf(keyA)]);
    } finally {
      await before.stop();
    }
  });

  it('signs new tokens with the newest key, publishes both, and still accepts tokens of the older one until they expire', async () => {
    expect(decodeProtectedHeader(tokenA).kid).toBe(await kidOf(keyA));
    // Second deployment: B is added in front of A.
    const after = await startTestSystem({ env: { AUTH_SIGNING_KEYS: JSON.stringify([keyB, keyA]) } });
    try {
      const http = httpClient(after.url);
      const jwks = await http.get('/.well-known/jwks.json');
      expect(jwks.body.keys.map((k: JWK) => k.kid)).toEqual([await kidOf(keyB), await kidOf(keyA)]);
      for (const key of jwks.body.keys) expect(key).not.toHaveProperty('d');

      await http.signUp('rotation@example.com', PASSWORD);
      const fresh = await signIn(http, 'rotation@example.com');
      expect(decodeProtectedHeader(fresh.access_token)).toMatchObject({ alg: 'ES256', kid: await kidOf(keyB) });

      // The token signed with A before the rotation is still accepted (a route that needs only a
      // valid token: the account it names lived in the first system's in-memory database).
      expect((await http.get('/api/v1/orders', { token: tokenA })).status).toBe(200);
      expect((await http.get('/api/v1/orders', { token: fresh.access_token })).status).toBe(200);

      // ...until it expires: the same key, claims and kid, but past exp (beyond the clock skew).
      const claims = decodeJwt(tokenA);
      const now = Math.floor(Date.now() / 1000);
      const expiredA = await new SignJWT({ role: 'customer' })
        .setProtectedHeader({ alg: 'ES256', kid: await kidOf(keyA), typ: 'JWT' })
        .setSubject(claims.sub!)
        .setIssuer(claims.iss!)
        .setAudience(claims.aud!)
        .setIssuedAt(now - 1_000)
        .setNotBefore(now - 1_000)
        .setExpirationTime(now - 60)
        .sign(await importJWK(keyA, 'ES256'));
      expectProblem(await http.get('/api/v1/orders', { token: expiredA }), 401);
      // A token not valid for another minute is refused too.
      const early = await new SignJWT({ role: 'customer' })
        .setProtectedHeader({ alg: 'ES256', kid: await kidOf(keyB), typ: 'JWT' })
        .setSubject(claims.sub!)
        .setIssuer(claims.iss!)
        .setAudience(claims.aud!)
        .setIssuedAt(now)
        .setNotBefore(now + 120)
        .setExpirationTime(now + 600)
        .sign(await importJWK(keyB, 'ES256'));
      expectProblem(await http.get('/api/v1/orders', { token: early }), 401);
      // Refresh tokens are opaque and live in the database, not in the keys: the first system's
      // family is unknown here.
      expectProblem(await refresh(http, refreshA), 401);
      await expectNoServerErrors(http);
    } finally {
      await after.stop();
    }
  });

  it('refuses tokens of a key once it is retired from the set', async () => {
    const retired = await startTestSystem({ env: { AUTH_SIGNING_KEYS: JSON.stringify([keyB]) } });
    try {
      const http = httpClient(retired.url);
      expect((await http.get('/.well-known/jwks.json')).body.keys.map((k: JWK) => k.kid)).toEqual([await kidOf(keyB)]);
      expectProblem(await http.get('/api/v1/orders', { token: tokenA }), 401);
    } finally {
      await retired.stop();
    }
  });
});
