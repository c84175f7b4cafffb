import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { httpClient } from '../support/http-client.js';
import { startTestSystem, type TestSystem } from '../support/test-system.js';
import { expectProblem } from '../support/assertions.js';

/**
 * `ADMIN_EMAIL` promotes an existing account at start-up and resets its password: whoever held a
 * session of that account before (say, whoever registered the address first) must not keep it, or
 * the refresh grant, which reads the role afresh, would hand them admin tokens.
 */
const TOKEN = '/api/v1/auth/token';

describe('promotion, password reset and role change end the account’s sessions', () => {
  let dataDir: string;
  let sys: TestSystem | undefined;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'mercato-promotion-'));
  });
  afterEach(async () => {
    await sys?.stop();
    sys = undefined;
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  /** The system on files under one data directory, so that a restart keeps the accounts. */
  async function start(admin: { email: string; password: string }): Promise<TestSystem> {
    sys = await startTestSystem({
      env: { DATA_DIR: dataDir, ADMIN_EMAIL: admin.email, ADMIN_PASSWORD: admin.password },
      overrides: { sqlite: { inMemory: false } },
    });
    return sys;
  }

  const signIn = async (url: string, email: string, password: string) => {
    const res = await httpClient(url).post(TOKEN, { email, password });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body as { access_token: string; refresh_token: string };
  };
  const refresh = (url: string, token: string) => httpClient(url).post(TOKEN, { grant_type: 'refresh_token', refresh_token: token });

  it('revokes the refresh tokens an account had before it was promoted to admin', async () => {
    const first = await start({ email: 'someone-else@example.com', password: 'admin-password-1' });
    await httpClient(first.url).signUp('boss@example.com', 'squatter-password-1');
    const squatter = await signIn(first.url, 'boss@example.com', 'squatter-password-1');
    await first.stop();
    sys = undefined;

    const promoted = await start({ email: 'boss@example.com', password: 'real-admin-password-1' });
    const res = await refresh(promoted.url, squatter.refresh_token);
    expectProblem(res, 401);
    expectProblem(await httpClient(promoted.url).post(TOKEN, { email: 'boss@example.com', password: 'squatter-password-1' }), 401);

    // The real admin signs in with the configured password and keeps a working session.
    const admin = await signIn(promoted.url, 'boss@example.com', 'real-admin-password-1');
    expect(decodeJwt(admin.access_token).role).toBe('admin');
    const renewed = await refresh(promoted.url, admin.refresh_token);
    expect(renewed.status).toBe(200);
    await promoted.stop();
    sys = undefined;

    // A restart with unchanged settings changes nothing, so it revokes nothing.
    const again = await start({ email: 'boss@example.com', password: 'real-admin-password-1' });
    expect((await refresh(again.url, (renewed.body as { refresh_token: string }).refresh_token)).status).toBe(200);
  });

  it('revokes the admin’s sessions when its password is reset by a new ADMIN_PASSWORD', async () => {
    const before = await start({ email: 'reset@example.com', password: 'old-admin-password-1' });
    const old = await signIn(before.url, 'reset@example.com', 'old-admin-password-1');
    await before.stop();
    sys = undefined;

    const after = await start({ email: 'reset@example.com', password: 'new-admin-password-1' });
    expectProblem(await refresh(after.url, old.refresh_token), 401);
    await signIn(after.url, 'reset@example.com', 'new-admin-password-1');
  });
});
