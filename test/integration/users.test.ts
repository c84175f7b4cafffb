import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, generateKeyPair, jwtVerify, SignJWT, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SigningKeySet } from '../../src/kernel/auth/signing-keys.js';
import { TOKENS } from '../../src/kernel/tokens.js';
import { httpClient, type HttpClient } from '../support/http-client.js';
import { ADMIN, useTestSystem } from '../support/test-system.js';
import { expectFieldErrors, expectNoServerErrors, expectProblem } from '../support/assertions.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const PASSWORD = 'correct-horse-1';

function account(email: string, overrides: Record<string, unknown> = {}) {
  return { email, password: PASSWORD, name: 'Ada Lovelace', ...overrides };
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('POST /api/v1/users', () => {
  const sys = useTestSystem();
  let http: HttpClient;
  beforeAll(async () => {
    http = httpClient(sys.url);
  });

  it('signs up a customer and answers 201 with the account, never the password', async () => {
    const res = await http.post('/api/v1/users', account('ada@example.com'));
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toMatch(/^application\/json\b/);
    expect(res.body).toEqual({ id: expect.stringMatching(UUID), email: 'ada@example.com', name: 'Ada Lovelace', role: 'customer' });
    const raw = JSON.stringify(res.body).toLowerCase();
    expect(raw).not.toContain('password');
    expect(raw).not.toContain('hash');
    expect(raw).not.toContain(PASSWORD);
    expect(raw).not.toContain('scrypt');
  });

  it('stores the email normalized and trims the name', async () => {
    const res = await http.post('/api/v1/users', account('Grace.Hopper@Example.COM', { name: '  Grace  ' }));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ email: 'grace.hopper@example.com', name: 'Grace', role: 'customer' });
  });

  it('never makes an admin through sign-up: a role field is refused', async () => {
    const res = await http.post('/api/v1/users', account('mallory@example.com', { role: 'admin' }));
    expectFieldErrors(res, ['role']);
    // ...and the account was not created.
    expect((await http.post('/api/v1/auth/token', { email: 'mallory@example.com', password: PASSWORD })).status).toBe(401);
  });

  it('answers 409 for an email that exists, whatever its letter case', async () => {
    expect((await http.post('/api/v1/users', account('dup@example.com'))).status).toBe(201);
    const same = await http.post('/api/v1/users', account('dup@example.com', { name: 'Someone Else' }));
    expectProblem(same, 409);
    const otherCase = await http.post('/api/v1/users', account('DUP@Example.com'));
    expectProblem(otherCase, 409);
  });

  it('answers one 201 and otherwise 409 when the same email signs up concurrently', async () => {
    const results = await Promise.all(
      ['race@example.com', 'RACE@example.com', 'Race@Example.com', 'race@EXAMPLE.com'].map((email) => http.post('/api/v1/users', account(email))),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409]);
    for (const res of results.filter((r) => r.status === 409)) expectProblem(res, 409);
  });

  it('answers 400 with the path of an invalid email', async () => {
    for (const email of ['not-an-email', 'a@b', '@example.com', ' spaced@example.com', '']) {
      expectFieldErrors(await http.post('/api/v1/users', account(email)), ['email']);
    }
  });

  it('answers 400 for a password that is too short or too long', async () => {
    expectFieldErrors(await http.post('/api/v1/users', account('short@example.com', { password: 'seven77' })), ['password']);
    expectFieldErrors(await http.post('/api/v1/users', account('long@example.com', { password: 'x'.repeat(129) })), ['password']);
  });

  it('answers 400 for a missing or blank name', async () => {
    expectFieldErrors(await http.post('/api/v1/users', { email: 'noname@example.com', password: PASSWORD }), ['name']);
    expectFieldErrors(await http.post('/api/v1/users', account('blank@example.com', { name: '   ' })), ['name']);
  });

  it('answers 400 naming every field of the wrong type', async () => {
    const res = await http.post('/api/v1/users', { email: 42, password: true, name: ['Ada'] });
    expectFieldErrors(res, ['email', 'password', 'name']);
  });

  it('answers 400 naming each unknown field', async () => {
    const res = await http.post('/api/v1/users', account('extra@example.com', { nickname: 'ada', isAdmin: true }));
    expectFieldErrors(res, ['nickname', 'isAdmin']);
  });

  it('answers 400 for a body that is not an object, or no body at all', async () => {
    expectFieldErrors(await http.post('/api/v1/users', [account('array@example.com')]), ['']);
    expectFieldErrors(await http.request('POST', '/api/v1/users'), ['']);
  });

  it('answers a 400 problem for malformed JSON', async () => {
    for (const body of ['{"email": "a@example.com",', "{'email': 'a@example.com'}", '{"email": "a@example.com"} trailing', 'null']) {
      const res = await http.post('/api/v1/users', body);
      expectProblem(res, 400);
      expect(res.body.detail).toMatch(/JSON/);
    }
  });

  it('answers 415 for a body that is not JSON', async () => {
    const form = await http.post('/api/v1/users', 'email=a%40example.com&password=correct-horse-1&name=A', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expectProblem(form, 415);
    const text = await http.post('/api/v1/users', JSON.stringify(account('text@example.com')), { headers: { 'content-type': 'text/plain' } });
    expectProblem(text, 415);
    // The account was not created by either.
    expect((await http.post('/api/v1/users', account('text@example.com'))).status).toBe(201);
  });

  it('accepts JSON with a charset parameter', async () => {
    const res = await http.post('/api/v1/users', JSON.stringify(account('charset@example.com')), {
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    expect(res.status).toBe(201);
  });

  it('answers 413 for a body over 100kb, and reads one just under it', async () => {
    const tooLarge = await http.post('/api/v1/users', account('big@example.com', { name: 'x'.repeat(110 * 1024) }));
    expectProblem(tooLarge, 413);
    // Under the limit the body is read, so validation speaks (the name is too long).
    const underLimit = await http.post('/api/v1/users', account('big@example.com', { name: 'x'.repeat(90 * 1024) }));
    expectFieldErrors(underLimit, ['name']);
  });

  it('answered every request without a 5xx', async () => {
    await expectNoServerErrors(http);
  });
});

describe('POST /api/v1/auth/token', () => {
  const sys = useTestSystem();
  let http: HttpClient;
  let userId: string;
  beforeAll(async () => {
    http = httpClient(sys.url);
    const res = await http.post('/api/v1/users', account('token@example.com'));
    expect(res.status).toBe(201);
    userId = res.body.id;
  });

  it('answers 200 with an OAuth 2.0 token response that must not be cached', async () => {
    const res = await http.post('/api/v1/auth/token', { email: 'token@example.com', password: PASSWORD });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: expect.any(Number), refresh_token: expect.any(String) });
    expect(Number.isInteger(res.body.expires_in) && res.body.expires_in > 0).toBe(true);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const claims = decodeJwt(res.body.access_token);
    expect(claims).toMatchObject({ sub: userId, role: 'customer' });
    expect(claims.exp! - claims.iat!).toBe(res.body.expires_in);
  });

  it('accepts the email in any letter case and the OAuth password grant type', async () => {
    const res = await http.post('/api/v1/auth/token', { grant_type: 'password', email: '  TOKEN@example.com ', password: PASSWORD });
    expect(res.status).toBe(200);
    expect(decodeJwt(res.body.access_token).sub).toBe(userId);
  });

  it('answers the same 401 problem for a wrong password and an unknown email', async () => {
    const wrongPassword = await http.post('/api/v1/auth/token', { email: 'token@example.com', password: 'wrong-password' });
    const unknownEmail = await http.post('/api/v1/auth/token', { email: 'nobody@example.com', password: PASSWORD });
    expectProblem(wrongPassword, 401);
    expectProblem(unknownEmail, 401);
    const { instance: _a, ...first } = wrongPassword.body;
    const { instance: _b, ...second } = unknownEmail.body;
    expect(first).toEqual(second);
    expect(wrongPassword.headers.get('www-authenticate')).toBe(unknownEmail.headers.get('www-authenticate'));
    expect(JSON.stringify(wrongPassword.body)).not.toMatch(/nobody|token@example/);
  });

  it('answers 401 for an empty password rather than signing in', async () => {
    expectProblem(await http.post('/api/v1/auth/token', { email: 'token@example.com', password: '' }), 401);
  });

  it('answers 400 naming missing and mistyped fields', async () => {
    expectFieldErrors(await http.post('/api/v1/auth/token', {}), ['email', 'password']);
    expectFieldErrors(await http.post('/api/v1/auth/token', { email: 'token@example.com' }), ['password']);
    expectFieldErrors(await http.post('/api/v1/auth/token', { password: PASSWORD }), ['email']);
    expectFieldErrors(await http.post('/api/v1/auth/token', { email: 7, password: PASSWORD }), ['email']);
    expectFieldErrors(await http.post('/api/v1/auth/token', { email: 'token@example.com', password: PASSWORD, grant_type: 'client_credentials' }), [
      'grant_type',
    ]);
    expectFieldErrors(await http.post('/api/v1/auth/token', { email: 'token@example.com', password: PASSWORD, scope: 'admin' }), ['scope']);
  });

  it('answers a 400 problem for malformed JSON and 415 for another content type', async () => {
    expectProblem(await http.post('/api/v1/auth/token', '{"email":'), 400);
    expectProblem(
      await http.post('/api/v1/auth/token', 'email=token%40example.com&password=x', { headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
      415,
    );
  });

  it('answered every request without a 5xx', async () => {
    await expectNoServerErrors(http);
  });
});

describe('GET /api/v1/users/me', () => {
  const sys = useTestSystem();
  let http: HttpClient;
  let me: { id: string; token: string };
  beforeAll(async () => {
    http = httpClient(sys.url);
    me = await http.signUp('me@example.com', PASSWORD, 'Me Myself');
  });

  async function expectUnauthorized(headers: Record<string, string>): Promise<void> {
    const res = await http.get('/api/v1/users/me', { headers });
    expectProblem(res, 401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
  }

  it('answers 200 with the caller', async () => {
    const res = await http.get('/api/v1/users/me', { token: me.token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: me.id, email: 'me@example.com', name: 'Me Myself', role: 'customer' });
  });

  it('answers each caller with their own account', async () => {
    const other = await http.signUp('other@example.com', PASSWORD, 'Other');
    expect((await http.get('/api/v1/users/me', { token: other.token })).body).toMatchObject({ id: other.id, email: 'other@example.com' });
    expect((await http.get('/api/v1/users/me', { token: me.token })).body).toMatchObject({ id: me.id });
  });

  it('answers 401 with WWW-Authenticate: Bearer without a token', async () => {
    await expectUnauthorized({});
    await expectUnauthorized({ authorization: 'Bearer' });
    await expectUnauthorized({ authorization: `Basic ${Buffer.from(`me@example.com:${PASSWORD}`).toString('base64')}` });
  });

  it('answers 401 for a garbage token', async () => {
    await expectUnauthorized({ authorization: 'Bearer garbage' });
    await expectUnauthorized({ authorization: 'Bearer a.b.c' });
  });

  it('answers 401 for a token whose payload was tampered with', async () => {
    const [header, payload, signature] = me.token.split('.') as [string, string, string];
    const at = Math.floor(payload.length / 2);
    const flipped = payload[at] === 'A' ? 'B' : 'A';
    await expectUnauthorized({ authorization: `Bearer ${header}.${payload.slice(0, at)}${flipped}${payload.slice(at + 1)}.${signature}` });
    // A meaningful edit: promote oneself to admin, keep the signature.
    const promoted = b64url({ ...decodeJwt(me.token), role: 'admin' });
    await expectUnauthorized({ authorization: `Bearer ${header}.${promoted}.${signature}` });
  });

  it('answers 401 for an unsigned (alg: none) token', async () => {
    const claims = decodeJwt(me.token);
    await expectUnauthorized({ authorization: `Bearer ${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims)}.` });
    await expectUnauthorized({ authorization: `Bearer ${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ ...claims, role: 'admin' })}.` });
  });

  it('answers 401 for a token signed by a foreign ES256 key, even one naming our kid', async () => {
    const { kid } = decodeProtectedHeader(me.token);
    const { privateKey } = await generateKeyPair('ES256');
    const claims = decodeJwt(me.token);
    for (const header of [
      { alg: 'ES256', typ: 'JWT' },
      { alg: 'ES256', typ: 'JWT', kid: kid! },
    ]) {
      const forged = await new SignJWT({ role: 'customer' })
        .setProtectedHeader(header)
        .setSubject(me.id)
        .setIssuer(claims.iss!)
        .setAudience(claims.aud!)
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(privateKey);
      await expectUnauthorized({ authorization: `Bearer ${forged}` });
    }
  });

  it('answers 401 for a token signed by our key that is expired or meant for another audience or issuer', async () => {
    const keys = sys.system.modules.get('user')!.container.resolve<SigningKeySet>(TOKENS.SigningKeys);
    const claims = decodeJwt(me.token);
    const now = Math.floor(Date.now() / 1000);
    const sign = (edit: (jwt: SignJWT) => SignJWT) =>
      edit(new SignJWT({ role: 'customer' }).setProtectedHeader({ alg: 'ES256', kid: keys.active.kid, typ: 'JWT' }).setSubject(me.id)).sign(
        keys.active.privateKey,
      );
    // The control: a token built this way is accepted.
    const valid = await sign((jwt) =>
      jwt
        .setIssuer(claims.iss!)
        .setAudience(claims.aud!)
        .setIssuedAt(now)
        .setExpirationTime(now + 300),
    );
    expect((await http.get('/api/v1/users/me', { token: valid })).status).toBe(200);

    const expired = await sign((jwt) =>
      jwt
        .setIssuer(claims.iss!)
        .setAudience(claims.aud!)
        .setIssuedAt(now - 3600)
        .setExpirationTime(now - 600),
    );
    const otherAudience = await sign((jwt) =>
      jwt
        .setIssuer(claims.iss!)
        .setAudience('someone-else')
        .setIssuedAt(now)
        .setExpirationTime(now + 300),
    );
    const otherIssuer = await sign((jwt) =>
      jwt
        .setIssuer('evil')
        .setAudience(claims.aud!)
        .setIssuedAt(now)
        .setExpirationTime(now + 300),
    );
    for (const token of [expired, otherAudience, otherIssuer]) await expectUnauthorized({ authorization: `Bearer ${token}` });
  });

  it('answers 405 for another method', async () => {
    const res = await http.request('DELETE', '/api/v1/users/me', { token: me.token });
    expectProblem(res, 405);
    expect(res.headers.get('allow')).toContain('GET');
    // Still signed up.
    expect((await http.get('/api/v1/users/me', { token: me.token })).status).toBe(200);
  });

  it('answered every request without a 5xx', async () => {
    await expectNoServerErrors(http);
  });
});

describe('GET /.well-known/jwks.json', () => {
  const sys = useTestSystem();
  let http: HttpClient;
  beforeAll(async () => {
    http = httpClient(sys.url);
  });

  it('publishes public ES256 signing keys only', async () => {
    const res = await http.get<{ keys: JWK[] }>('/.well-known/jwks.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json\b/);
    expect(res.body.keys.length).toBeGreaterThan(0);
    for (const key of res.body.keys) {
      expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', kid: expect.any(String), x: expect.any(String), y: expect.any(String) });
      expect(key).not.toHaveProperty('d');
      for (const privateMember of ['p', 'q', 'dp', 'dq', 'qi', 'k']) expect(key).not.toHaveProperty(privateMember);
    }
  });

  it('verifies a token issued by /auth/token', async () => {
    const user = await http.signUp('jwks@example.com', PASSWORD);
    const { body: jwks } = await http.get<{ keys: JWK[] }>('/.well-known/jwks.json');
    const { payload, protectedHeader } = await jwtVerify(user.token, createLocalJWKSet(jwks), { algorithms: ['ES256'] });
    expect(protectedHeader).toMatchObject({ alg: 'ES256', kid: jwks.keys[0]!.kid });
    expect(payload).toMatchObject({ sub: user.id, role: 'customer', email: 'jwks@example.com' });
  });

  it('does not verify a token signed elsewhere', async () => {
    const { body: jwks } = await http.get<{ keys: JWK[] }>('/.well-known/jwks.json');
    const { privateKey } = await generateKeyPair('ES256');
    const forged = await new SignJWT({ role: 'admin' }).setProtectedHeader({ alg: 'ES256', kid: jwks.keys[0]!.kid! }).setSubject('x').sign(privateKey);
    await expect(jwtVerify(forged, createLocalJWKSet(jwks))).rejects.toThrow();
  });

  it('answered every request without a 5xx', async () => {
    await expectNoServerErrors(http);
  });
});

describe('the admin from ADMIN_EMAIL', () => {
  const sys = useTestSystem();
  let http: HttpClient;
  beforeAll(async () => {
    http = httpClient(sys.url);
  });

  it('signs in with ADMIN_PASSWORD and has the admin role', async () => {
    const token = await http.token(ADMIN.email, ADMIN.password);
    expect(decodeJwt(token).role).toBe('admin');
    const me = await http.get('/api/v1/users/me', { token });
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ id: expect.stringMatching(UUID), email: ADMIN.email, name: expect.any(String), role: 'admin' });
  });

  it('cannot be taken over by signing up with the same email', async () => {
    expectProblem(await http.post('/api/v1/users', account(ADMIN.email.toUpperCase())), 409);
    expectProblem(await http.post('/api/v1/auth/token', { email: ADMIN.email, password: PASSWORD }), 401);
  });

  it('answered every request without a 5xx', async () => {
    await expectNoServerErrors(http);
  });
});
