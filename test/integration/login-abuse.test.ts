import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UnitOfWork } from '../../src/kernel/events/unit-of-work.js';
import { TOKENS } from '../../src/kernel/tokens.js';
import { LoginFailureSchema } from '../../src/modules/user/infrastructure/login-failure.schema.js';
import { httpClient, type HttpClient, type HttpResponse } from '../support/http-client.js';
import { startTestSystem, type TestSystem, useTestSystem } from '../support/test-system.js';
import { expectNoServerErrors, expectProblem } from '../support/assertions.js';

const PASSWORD = 'correct-horse-1';
const WRONG = 'wrong-password-9';
const TOKEN_PATH = '/api/v1/auth/token';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const signIn = (http: HttpClient, email: string, password: string) => http.post(TOKEN_PATH, { email, password });

/** Everything a caller can see of a refusal, minus the per-request instance. */
function shape(res: HttpResponse) {
  const { instance: _instance, ...body } = res.body as Record<string, unknown>;
  return { status: res.status, body, retryAfter: res.headers.get('retry-after'), wwwAuthenticate: res.headers.get('www-authenticate') };
}

function expectThrottled(res: HttpResponse, retryAfter?: string): void {
  expectProblem(res, 429);
  expect(res.body.detail).toBe('Too many failed sign-in attempts. Try again later.');
  expect(res.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
  if (retryAfter) expect(res.headers.get('retry-after')).toBe(retryAfter);
}

describe('login abuse: per account', () => {
  const sys = useTestSystem({
    overrides: { user: { loginThrottle: { windowMs: 60_000, accountMaxFailures: 3, ipMaxFailures: 1_000, lockBaseMs: 1_000, lockMaxMs: 4_000 } } },
  });
  let http: HttpClient;
  beforeAll(async () => {
    http = httpClient(sys.url);
    for (const email of ['victim@example.com', 'bystander@example.com', 'progressive@example.com', 'known@example.com']) await http.signUp(email, PASSWORD);
  });

  it('locks an account after N wrong passwords, refuses even the right password while locked, and lets it in once the lock expires', async () => {
    // Spelling variants count against the same (normalized) account.
    for (const email of ['victim@example.com', 'VICTIM@example.com', ' Victim@Example.com ']) expectProblem(await signIn(http, email, WRONG), 401);
    expectThrottled(await signIn(http, 'victim@example.com', WRONG), '1');
    expectThrottled(await signIn(http, 'victim@example.com', PASSWORD));

    // Another account from the same address is not held by the per-account rule.
    expect((await signIn(http, 'bystander@example.com', PASSWORD)).status).toBe(200);
    expectProblem(await signIn(http, 'bystander@example.com', WRONG), 401);

    await sleep(1_150);
    const res = await signIn(http, 'victim@example.com', PASSWORD);
    expect(res.status).toBe(200);
    // The success reset the account's count: N-1 failures do not lock it again.
    for (let i = 0; i < 2; i++) expectProblem(await signIn(http, 'victim@example.com', WRONG), 401);
    expect((await signIn(http, 'victim@example.com', PASSWORD)).status).toBe(200);
  });

  it('answers an unknown email exactly like a known one, locked or not', async () => {
    const known: HttpResponse[] = [];
    const unknown: HttpResponse[] = [];
    for (let i = 0; i < 4; i++) {
      known.push(await signIn(http, 'known@example.com', WRONG));
      unknown.push(await signIn(http, 'ghost@example.com', WRONG));
    }
    expect(known.map((r) => r.status)).toEqual([401, 401, 401, 429]);
    expect(unknown.map((r) => r.status)).toEqual([401, 401, 401, 429]);
    expectThrottled(unknown[3]!, '1');
    for (let i = 0; i < 4; i++) expect(shape(known[i]!)).toEqual(shape(unknown[i]!));
    expect(JSON.stringify(unknown.map((r) => r.body))).not.toContain('ghost');
    // The right password of a locked known account reads like any guess at a locked unknown one.
    expect(shape(await signIn(http, 'known@example.com', PASSWORD))).toEqual(shape(await signIn(http, 'ghost@example.com', PASSWORD)));
  });

  it('doubles the lock with each failure after it expires, and the lock always expires', async () => {
    for (let i = 0; i < 3; i++) expectProblem(await signIn(http, 'progressive@example.com', WRONG), 401);
    expectThrottled(await signIn(http, 'progressive@example.com', WRONG), '1');
    await sleep(1_150);
    expectProblem(await signIn(http, 'progressive@example.com', WRONG), 401);
    expectThrottled(await signIn(http, 'progressive@example.com', PASSWORD), '2');
    await sleep(2_150);
    expect((await signIn(http, 'progressive@example.com', PASSWORD)).status).toBe(200);
  });

  it('keeps the counters in the module database, without emails or addresses in clear', async () => {
    const uow = sys.system.modules.get('user')!.container.resolve<UnitOfWork>(TOKENS.UnitOfWork);
    const rows = await uow.reader().find(LoginFailureSchema, {});
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.scopeKey).toMatch(/^[0-9a-f]{64}$/);
  });

  it('answered every request without a 5xx', async () => {
    await expectNoServerErrors(http);
  });
});

describe('login abuse: a parallel burst', () => {
  // A lock long enough that it cannot expire while a slow machine is still answering the burst.
  const sys = useTestSystem({
    overrides: { user: { loginThrottle: { windowMs: 60_000, accountMaxFailures: 3, ipMaxFailures: 1_000, lockBaseMs: 60_000, lockMaxMs: 60_000 } } },
  });
  let http: HttpClient;
  beforeAll(async () => {
    http = httpClient(sys.url);
    await http.signUp('burst@example.com', PASSWORD);
  });

  it('lets no more than N guesses of a parallel burst reach the password check', async () => {
    const statuses = (await Promise.all(Array.from({ length: 12 }, () => signIn(http, 'burst@example.com', WRONG)))).map((r) => r.status);
    expect(
      statuses.every((s) => s === 401 || s === 429),
      JSON.stringify(statuses),
    ).toBe(true);
    expect(statuses.filter((s) => s === 401).length, JSON.stringify(statuses)).toBeLessThanOrEqual(3);
  });
});

describe('login abuse: per client IP', () => {
  const sys = useTestSystem({
    overrides: { user: { loginThrottle: { windowMs: 60_000, accountMaxFailures: 100, ipMaxFailures: 4, lockBaseMs: 1_000, lockMaxMs: 4_000 } } },
  });
  let http: HttpClient;
  beforeAll(async () => {
    http = httpClient(sys.url);
    await http.signUp('sprayed@example.com', PASSWORD);
  });

  it('locks an address that fails on many accounts, then lets it in once the lock expires', async () => {
    for (const email of ['a@example.com', 'b@example.com', 'c@example.com', 'sprayed@example.com']) expectProblem(await signIn(http, email, WRONG), 401);
    // Any account from this address, even with the right password, waits.
    expectThrottled(await signIn(http, 'sprayed@example.com', PASSWORD), '1');
    expectThrottled(await signIn(http, 'd@example.com', WRONG), '1');
    await sleep(1_150);
    expect((await signIn(http, 'sprayed@example.com', PASSWORD)).status).toBe(200);
    // A success does not clear the address's count (an attacker's own account must not reset it).
    expectProblem(await signIn(http, 'e@example.com', WRONG), 401);
    expectThrottled(await signIn(http, 'sprayed@example.com', PASSWORD), '2');
  });

  it('answered every request without a 5xx', async () => {
    await expectNoServerErrors(http);
  });
});

describe('login abuse: a lock is no weapon', () => {
  let sys: TestSystem;
  const from = (address: string) => httpClient(sys.url, { localAddress: address });
  beforeAll(async () => {
    sys = await startTestSystem({
      overrides: { user: { loginThrottle: { windowMs: 60_000, accountMaxFailures: 3, ipMaxFailures: 6, lockBaseMs: 30_000, lockMaxMs: 60_000 } } },
    });
    await from('127.0.0.1').signUp('target@example.com', PASSWORD);
  });
  afterAll(() => sys.stop());

  it('failures from other addresses never refuse the right password from the account owner’s address', async () => {
    const owner = from('127.0.0.1');
    expect((await signIn(owner, 'target@example.com', PASSWORD)).status).toBe(200);

    // Someone else keeps failing on the account from their own address, until that address is locked.
    const attacker = from('127.0.0.2');
    for (let i = 0; i < 3; i++) expectProblem(await signIn(attacker, 'target@example.com', WRONG), 401);
    expectThrottled(await signIn(attacker, 'target@example.com', WRONG));
    expectThrottled(await signIn(attacker, 'target@example.com', PASSWORD));

    // A second attacking address is locked on its own count, and still does not touch the owner.
    const accomplice = from('127.0.0.3');
    for (let i = 0; i < 3; i++) expectProblem(await signIn(accomplice, 'target@example.com', WRONG), 401);
    expectThrottled(await signIn(accomplice, 'target@example.com', PASSWORD));

    expect((await signIn(owner, 'target@example.com', PASSWORD)).status).toBe(200);
    // Nor a first sign-in from an address never seen before.
    expect((await signIn(from('127.0.0.4'), 'target@example.com', PASSWORD)).status).toBe(200);
  });

  it('counts consecutive failures per account and address: the owner’s own typos lock only that pair', async () => {
    const owner = from('127.0.0.5');
    await owner.signUp('typo@example.com', PASSWORD);
    for (let i = 0; i < 3; i++) expectProblem(await signIn(owner, 'typo@example.com', WRONG), 401);
    expectThrottled(await signIn(owner, 'typo@example.com', PASSWORD));
    // The same address may still sign in to another account (its own count is below the per-IP limit).
    await owner.signUp('typo-2@example.com', PASSWORD);
    expect((await signIn(owner, 'typo-2@example.com', PASSWORD)).status).toBe(200);
    // From elsewhere the account is open.
    expect((await signIn(from('127.0.0.6'), 'typo@example.com', PASSWORD)).status).toBe(200);
  });

  it('still locks an address that sprays many accounts, with the larger per-address count', async () => {
    const sprayer = from('127.0.0.7');
    for (let i = 0; i < 6; i++) expectProblem(await signIn(sprayer, `spray-${i}@example.com`, WRONG), 401);
    expectThrottled(await signIn(sprayer, 'spray-9@example.com', WRONG));
    expectThrottled(await signIn(sprayer, 'target@example.com', PASSWORD));
    expect((await signIn(from('127.0.0.8'), 'target@example.com', PASSWORD)).status).toBe(200);
  });
});
