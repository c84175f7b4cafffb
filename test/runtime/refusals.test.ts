import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { httpClient } from '../support/http-client.js';
import { freePort } from '../support/free-port.js';
import { postgresAvailable, TestDatabase } from '../support/split/infrastructure.js';

/**
 * The real entry point (`npm start`) in child processes: what an operator sees when the
 * configuration is wrong, and that a good one serves, stops on a signal and restarts.
 */

const REPO = resolve(import.meta.dirname, '../..');
/** What `npm start` runs: src/ transpiled by esbuild, then main.ts from there. */
const ENTRY = join(REPO, 'scripts/start.mjs');
const ADMIN = { email: 'admin@mercato.test', password: 'admin-password-1' };
const READY_TIMEOUT_MS = 60_000;
const EXIT_TIMEOUT_MS = 60_000;
/** Per test: above every bounded wait inside it, so a timeout reports what it waited for. */
const TEST_TIMEOUT_MS = 120_000;
const RESTART_TEST_TIMEOUT_MS = 180_000;
const STOP_TIMEOUT_MS = 5_000;

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

interface Mercato {
  child: ChildProcess;
  url: string;
  stdout(): string;
  stderr(): string;
  /** Settles when the process has exited (never rejects). */
  exited: Promise<Exit>;
}

const children = new Set<ChildProcess>();
const tempDirs: string[] = [];

afterAll(async () => {
  // Safety net: anything a test left running is killed here.
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tempDataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mercato-runtime-'));
  tempDirs.push(dir);
  return dir;
}

/**
 * Starts Mercato as `npm start` does, with a clean environment (nothing leaks in from the test runner, which sets
 * NODE_ENV=test): development, quiet logs, loopback only, a fresh DATA_DIR unless one is given.
 */
async function start(env: Record<string, string>, args: string[] = []): Promise<Mercato> {
  const port = env.PORT ?? String(await freePort());
  const childEnv: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? tmpdir(),
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    DATA_DIR: env.DATA_DIR ?? (await tempDataDir()),
    ...env,
    PORT: port,
  };
  // An empty value means "not set at all" (to start a process without NODE_ENV, say).
  for (const [name, value] of Object.entries(childEnv)) if (value === '') delete childEnv[name];
  const child = spawn(process.execPath, [ENTRY, ...args], { cwd: REPO, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<Exit>((resolveExit) => child.once('exit', (code, signal) => resolveExit({ code, signal })));
  return { child, url: `http://127.0.0.1:${port}`, stdout: () => stdout, stderr: () => stderr, exited };
}

function running(m: Mercato): boolean {
  return m.child.exitCode === null && m.child.signalCode === null;
}

/** Kills the process if it still runs; for `finally` blocks. */
async function cleanup(m: Mercato | undefined): Promise<void> {
  if (!m || !running(m)) return;
  m.child.kill('SIGKILL');
  await withTimeout(m.exited, STOP_TIMEOUT_MS, 'SIGKILL');
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** How many object keys a JSON line spells out (a quote preceded by a backslash is inside a string). */
function keysWritten(line: string): number {
  return line.match(/(?<!\\)"(?:[^"\\]|\\.)*"\s*:/g)?.length ?? 0;
}

/** How many object keys a parsed JSON value holds, at any depth. */
function keysParsed(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + keysParsed(v), 0);
  if (value === null || typeof value !== 'object') return 0;
  return Object.values(value).reduce((n: number, v) => n + 1 + keysParsed(v), 0);
}

function describeProcess(m: Mercato): string {
  return `stderr:\n${m.stderr()}\nstdout:\n${m.stdout()}`;
}

/** Polls /health/ready until 200; fails early if the process exits, and after READY_TIMEOUT_MS. */
async function waitReady(m: Mercato): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (!running(m)) throw new Error(`mercato exited (${m.child.exitCode ?? m.child.signalCode}) before it was ready\n${describeProcess(m)}`);
    try {
      const res = await fetch(`${m.url}/health/ready`, { signal: AbortSignal.timeout(1_000) });
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`mercato was not ready within ${READY_TIMEOUT_MS} ms\n${describeProcess(m)}`);
}

/** Runs a process that must refuse to start; returns its exit and its stderr. */
async function refusal(env: Record<string, string>): Promise<{ exit: Exit; stderr: string; stdout: string }> {
  const m = await start(env);
  try {
    const exit = await withTimeout(m.exited, EXIT_TIMEOUT_MS, `mercato to refuse to start (${JSON.stringify(env)})`);
    return { exit, stderr: m.stderr(), stdout: m.stdout() };
  } finally {
    await cleanup(m);
  }
}

function expectRefusal(result: { exit: Exit; stderr: string }, ...mentions: RegExp[]): void {
  expect(result.exit.code, result.stderr).toBe(1);
  expect(result.stderr).toMatch(/^mercato: refusing to start: /m);
  // One line for the operator, not a stack trace.
  expect(result.stderr).not.toMatch(/^\s+at /m);
  for (const mention of mentions) expect(result.stderr).toMatch(mention);
}

async function stop(m: Mercato, signal: NodeJS.Signals): Promise<Exit> {
  m.child.kill(signal);
  return withTimeout(m.exited, STOP_TIMEOUT_MS, `mercato to stop on ${signal}`);
}

// Every case is its own process on its own port and DATA_DIR: they all run at once.
describe.concurrent('main.ts as a process', () => {
  it(
    'builds the bundle and exits with --build-only, as `npm install` runs it, without serving',
    async () => {
      const m = await start({}, ['--build-only']);
      const exit = await withTimeout(m.exited, EXIT_TIMEOUT_MS, '--build-only to exit');
      expect({ exit, stdout: m.stdout(), stderr: m.stderr() }).toEqual({ exit: { code: 0, signal: null }, stdout: '', stderr: '' });
      const builds = readdirSync(join(REPO, '.start')).filter((entry) => existsSync(join(REPO, '.start', entry, 'main.js')));
      expect(builds.length).toBeGreaterThan(0);
    },
    TEST_TIMEOUT_MS,
  );

  describe('refusing to start', () => {
    it(
      'refuses an unknown module, naming it',
      async () => {
        expectRefusal(await refusal({ MODULES: 'catalog,bogus' }), /bogus/);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'refuses a split process without a broker',
      async () => {
        expectRefusal(await refusal({ MODULES: 'catalog' }), /KAFKA_BROKERS/, /EVENT_BUS/);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'refuses a production process that verifies tokens but cannot reach an issuer',
      async () => {
        expectRefusal(await refusal({ NODE_ENV: 'production', MODULES: 'catalog', EVENT_BUS: 'memory' }), /AUTH_JWKS_URL|SERVICE_URLS_USER/);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      "refuses a module process behind a gateway that has no way to get the gateway's service-token keys",
      async () => {
        // Its own DATA_DIR (as in a container of its own), no SERVICE_URLS_GATEWAY nor SERVICE_TOKEN_JWKS_URL:
        // every request would get 401, sign-up included. The broker is never reached.
        const result = await refusal({ MODULES: 'user,notification', KAFKA_BROKERS: '127.0.0.1:9' });
        expectRefusal(result, /MODULES=user,notification/, /SERVICE_URLS_GATEWAY/, /SERVICE_TOKEN_JWKS_URL/, /SERVICE_TOKEN_KEYS/, /DATA_DIR/);
        expect(result.stderr.trim().split('\n')).toHaveLength(1);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'refuses the same in production, where no development keys are looked for',
      async () => {
        const result = await refusal({
          NODE_ENV: 'production',
          MODULES: 'order',
          KAFKA_BROKERS: '127.0.0.1:9',
          AUTH_JWKS_URL: 'http://127.0.0.1:9/.well-known/jwks.json',
        });
        expectRefusal(result, /MODULES=order/, /SERVICE_URLS_GATEWAY/, /SERVICE_TOKEN_JWKS_URL/);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'refuses production without AUTH_SIGNING_KEYS',
      async () => {
        expectRefusal(await refusal({ NODE_ENV: 'production' }), /AUTH_SIGNING_KEYS/);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'refuses to start without NODE_ENV rather than assume development (on-disk keys, loose limits, demo data)',
      async () => {
        expectRefusal(await refusal({ NODE_ENV: '' }), /NODE_ENV/);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'refuses the sandbox payment provider in production unless PAYMENT_PROVIDER=sandbox says so',
      async () => {
        const production = { NODE_ENV: 'production', MODULES: 'payment', EVENT_BUS: 'memory', AUTH_JWKS_URL: 'http://127.0.0.1:9/.well-known/jwks.json' };
        expectRefusal(await refusal(production), /PAYMENT_PROVIDER/, /sandbox/);
        const allowed = await start({ ...production, PAYMENT_PROVIDER: 'sandbox' });
        try {
          await waitReady(allowed);
        } finally {
          await cleanup(allowed);
        }
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'refuses a port that is not a number',
      async () => {
        expectRefusal(await refusal({ PORT: 'abc' }), /http\.port|PORT/);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'refuses an invalid admin password without printing it',
      async () => {
        const result = await refusal({ ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: 'Sh0rt!' });
        expectRefusal(result, /admin\.password/);
        expect(result.stderr + result.stdout).not.toContain('Sh0rt!');
      },
      TEST_TIMEOUT_MS,
    );
  });

  describe('running', () => {
    it(
      'serves only the catalog with MODULES=catalog EVENT_BUS=memory, and stops on SIGTERM',
      async () => {
        // Outside production, a process without the user module verifies with the development keys.
        let m: Mercato | undefined;
        try {
          m = await start({ MODULES: 'catalog', EVENT_BUS: 'memory' });
          await waitReady(m);
          // Not the whole API (no gateway, one module): the contract check does not apply.
          const http = httpClient(m.url, { contract: false });
          const ready = await http.get('/health/ready');
          expect(ready.status).toBe(200);
          expect(Object.keys(ready.body.checks)).toEqual(['bus:memory', 'db:catalog']);
          expect((await http.get('/api/v1/products')).status).toBe(200);
          expect((await http.post('/api/v1/users', { email: 'a@b.test', password: 'long-enough-1', name: 'A' })).status).toBe(404);
          expect((await http.post('/api/v1/auth/token', { email: ADMIN.email, password: ADMIN.password })).status).toBe(404);
          expect((await http.post('/api/v1/products', { sku: 'x-1', name: 'X', price: { amount: 1, currency: 'EUR' } })).status).toBe(401);

          expect(await stop(m, 'SIGTERM')).toEqual({ code: 0, signal: null });
        } finally {
          await cleanup(m);
        }
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'on PostgreSQL, creates its database when the server does not have it yet',
      async () => {
        if (!(await postgresAvailable('npm start on a missing database'))) return;
        const db = await TestDatabase.create('runtime');
        await db.drop();
        let m: Mercato | undefined;
        try {
          m = await start({ DATABASE_URL: db.url });
          await waitReady(m);
          expect(await db.query('select 1 as one')).toEqual([{ one: 1 }]);
        } finally {
          await cleanup(m);
          await db.drop();
        }
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'writes JSON lines in development when its output is not a terminal (pretty lines are for a person at one)',
      async () => {
        let m: Mercato | undefined;
        try {
          m = await start({ MODULES: 'catalog', EVENT_BUS: 'memory', LOG_LEVEL: 'info' });
          await waitReady(m);
          expect((await httpClient(m.url, { contract: false }).get('/api/v1/products')).status).toBe(200);
          expect(await stop(m, 'SIGTERM')).toEqual({ code: 0, signal: null });
          const lines = m.stdout().split('\n').filter(Boolean);
          const parsed = lines.map((line) => {
            try {
              return JSON.parse(line) as { msg?: string; path?: string };
            } catch {
              throw new Error(`not a JSON line: ${line}`);
            }
          });
          expect(parsed.some((l) => l.msg === 'request' && l.path === '/api/v1/products')).toBe(true);
          // A key written twice (a child logger's binding repeated by the call) is read differently by each log parser.
          const repeated = lines.filter((line, i) => keysWritten(line) !== keysParsed(parsed[i]));
          expect(repeated).toEqual([]);
        } finally {
          await cleanup(m);
        }
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'runs all in one, stops on SIGTERM, and restarts on the same DATA_DIR with the same signing key',
      async () => {
        const dataDir = await tempDataDir();
        const env = { DATA_DIR: dataDir, ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password };
        let first: Mercato | undefined;
        let second: Mercato | undefined;
        try {
          first = await start(env);
          await waitReady(first);
          const http1 = httpClient(first.url);
          const token = await http1.token(ADMIN.email, ADMIN.password);
          const me = await http1.get('/api/v1/users/me', { token });
          expect(me.status).toBe(200);
          expect(me.body).toMatchObject({ email: ADMIN.email, role: 'admin' });
          const created = await http1.post(
            '/api/v1/products',
            { sku: 'restart-1', name: 'Survives restarts', price: { amount: 100, currency: 'EUR' } },
            { token },
          );
          expect(created.status).toBe(201);
          expect(await stop(first, 'SIGTERM')).toEqual({ code: 0, signal: null });
          expect(first.stderr()).toBe('');

          second = await start(env);
          await waitReady(second);
          const http2 = httpClient(second.url);
          // Same key on disk: the first run's token still verifies; same databases: same data.
          const again = await http2.get('/api/v1/users/me', { token });
          expect(again.status).toBe(200);
          expect(again.body.id).toBe(me.body.id);
          expect((await http2.get(`/api/v1/products/${created.body.id}`)).status).toBe(200);
          expect(await stop(second, 'SIGINT')).toEqual({ code: 0, signal: null });
          expect(second.stderr()).toBe('');
        } finally {
          await Promise.all([cleanup(first), cleanup(second)]);
        }
      },
      RESTART_TEST_TIMEOUT_MS,
    );
  });
});
