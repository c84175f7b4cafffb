import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';

/**
 * What the split suites need from the machine: a Kafka broker (started with `npm run kafka:start`
 * when none answers) and a PostgreSQL server. Without them a suite is skipped loudly, except under
 * CI=true, where it fails.
 */

export const REPO = resolve(import.meta.dirname, '../../..');
/**
 * The broker `npm run kafka:start` runs, which the crash suite stops and starts again.
 * `MERCATO_KAFKA_PORT` (read by deploy/kafka/start.sh too) points the suites at another one, e.g.
 * `MERCATO_KAFKA_PORT=19092 MERCATO_KAFKA_DATA=/tmp/kafka-b MERCATO_KAFKA_VERSION=3.9.2`.
 */
const KAFKA_HOST = '127.0.0.1';
const KAFKA_PORT = Number(process.env.MERCATO_KAFKA_PORT || 9092);
export const KAFKA_BROKERS = `${KAFKA_HOST}:${KAFKA_PORT}`;
/** The maintenance database used to create and drop one database per test file. */
export const POSTGRES_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const POSTGRES_BASE_URL = 'postgres://postgres@127.0.0.1:5432';

/** The first start may fetch the Kafka jars from Maven Central. */
const KAFKA_START_TIMEOUT_MS = 240_000;
const KAFKA_STOP_TIMEOUT_MS = 60_000;
const POSTGRES_CONNECT_TIMEOUT_MS = 3_000;
/** Split suites run one at a time (they share the broker and one of them restarts it). */
const LOCK_DIR = join(tmpdir(), 'mercato-split-tests.lock');
export const LOCK_WAIT_MS = 8 * 60_000;

// ---------------------------------------------------------------- PostgreSQL through `pg`

interface PgClient {
  connect(): Promise<void>;
  query<R>(text: string, values?: unknown[]): Promise<{ rows: R[] }>;
  end(): Promise<void>;
  on(event: 'error', listener: (err: Error) => void): void;
}
type PgModule = { Client: new (config: { connectionString: string; connectionTimeoutMillis?: number }) => PgClient };
// `pg` comes with @mikro-orm/postgresql and has no bundled types; this is the little used here.
const pg = createRequire(import.meta.url)('pg') as PgModule;

async function withClient<T>(url: string, fn: (client: PgClient) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: POSTGRES_CONNECT_TIMEOUT_MS });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A fresh database for one test file (each module gets its own schema in it), dropped after. */
export class TestDatabase {
  private constructor(readonly name: string) {}

  get url(): string {
    return `${POSTGRES_BASE_URL}/${this.name}`;
  }

  static async create(label: string): Promise<TestDatabase> {
    const name = `split_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
    await withClient(POSTGRES_ADMIN_URL, (c) => c.query(`CREATE DATABASE "${name}"`));
    return new TestDatabase(name);
  }

  async query<R = Record<string, unknown>>(text: string, values?: unknown[]): Promise<R[]> {
    return withClient(this.url, async (c) => (await c.query<R>(text, values)).rows);
  }

  async drop(): Promise<void> {
    await withClient(POSTGRES_ADMIN_URL, (c) => c.query(`DROP DATABASE IF EXISTS "${this.name}" WITH (FORCE)`));
  }
}

// ---------------------------------------------------------------- Kafka

export function kafkaPortOpen(timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolvePort) => {
    const socket = connect({ host: KAFKA_HOST, port: KAFKA_PORT });
    const done = (open: boolean) => {
      socket.destroy();
      resolvePort(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function npmRun(script: string, timeoutMs: number): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolveRun) => {
    execFile('npm', ['run', '--silent', script], { cwd: REPO, timeout: timeoutMs, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      resolveRun({ ok: !err, output: `${stdout}${stderr}${err ? `\n${err.message}` : ''}`.trim() });
    });
  });
}

/** `npm run kafka:start` (idempotent; returns when the broker accepts connections). */
export async function startKafka(): Promise<void> {
  const run = await npmRun('kafka:start', KAFKA_START_TIMEOUT_MS);
  if (!run.ok || !(await kafkaPortOpen(3_000))) throw new Error(`npm run kafka:start failed:\n${run.output}`);
}

/** `npm run kafka:stop`: the broker every split process talks to goes away. */
export async function stopKafka(): Promise<void> {
  const run = await npmRun('kafka:stop', KAFKA_STOP_TIMEOUT_MS);
  if (!run.ok) throw new Error(`npm run kafka:stop failed:\n${run.output}`);
}

/**
 * A broker of a test's own (another port and data dir, see deploy/kafka/common.sh), for a test that
 * stops and restarts its broker without pulling the shared one from under anybody else.
 */
export class DedicatedKafka {
  constructor(
    readonly port: number,
    private readonly dataDir = join(process.env.HOME ?? tmpdir(), '.cache', 'mercato-kafka', `data-${port}`),
  ) {}

  get brokers(): string {
    return `${KAFKA_HOST}:${this.port}`;
  }

  private run(script: 'start.sh' | 'stop.sh', timeoutMs: number): Promise<{ ok: boolean; output: string }> {
    const env = {
      ...process.env,
      MERCATO_KAFKA_PORT: String(this.port),
      MERCATO_KAFKA_CONTROLLER_PORT: String(this.port + 1),
      MERCATO_KAFKA_DATA: this.dataDir,
      MERCATO_KAFKA_JVM_OPTS: '-Xmx384m -Xms384m',
    };
    return new Promise((resolveRun) => {
      execFile('bash', [join(REPO, 'deploy/kafka', script)], { cwd: REPO, env, timeout: timeoutMs, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
        resolveRun({ ok: !err, output: `${stdout}${stderr}${err ? `\n${err.message}` : ''}`.trim() });
      });
    });
  }

  async start(): Promise<void> {
    const run = await this.run('start.sh', KAFKA_START_TIMEOUT_MS);
    if (!run.ok) throw new Error(`starting the broker on ${this.brokers} failed:\n${run.output}`);
  }

  async stop(): Promise<void> {
    const run = await this.run('stop.sh', KAFKA_STOP_TIMEOUT_MS);
    if (!run.ok) throw new Error(`stopping the broker on ${this.brokers} failed:\n${run.output}`);
  }
}

/** Best effort: removes the topics and consumer groups of one test run (`<prefix>.*`) from the shared broker. */
export async function deleteKafkaTopics(prefix: string): Promise<void> {
  const admin = new Kafka({ clientId: 'split-tests-cleanup', brokers: [KAFKA_BROKERS], logLevel: logLevel.NOTHING, retry: { retries: 2 } }).admin();
  const work = (async () => {
    await admin.connect();
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${prefix}.`));
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 10_000 });
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(`${prefix}.`));
    if (groups.length > 0) await admin.deleteGroups(groups);
  })();
  const timeout = new Promise<void>((r) => setTimeout(r, 15_000).unref());
  try {
    await Promise.race([work.catch(() => undefined), timeout]);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function ensureKafka(): Promise<string | undefined> {
  if (await kafkaPortOpen()) return undefined;
  try {
    await startKafka();
    return undefined;
  } catch (err) {
    return `no Kafka broker on ${KAFKA_BROKERS} and ${(err as Error).message}`;
  }
}

async function ensurePostgres(): Promise<string | undefined> {
  try {
    await withClient(POSTGRES_ADMIN_URL, (c) => c.query('SELECT 1'));
    return undefined;
  } catch (err) {
    return `PostgreSQL is not reachable at ${POSTGRES_ADMIN_URL}: ${(err as Error).message}`;
  }
}

// ---------------------------------------------------------------- one split suite at a time

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A lock across the vitest workers (a directory, created atomically), so split suites do not load
 * the 2-core machine at the same time nor see the broker restarted under them. A lock whose owner
 * died is taken over.
 */
export async function acquireSplitLock(timeoutMs = LOCK_WAIT_MS): Promise<() => void> {
  const deadline = Date.now() + timeoutMs;
  const owner = join(LOCK_DIR, 'owner');
  for (;;) {
    try {
      mkdirSync(LOCK_DIR);
      writeFileSync(owner, String(process.pid));
      let released = false;
      return () => {
        if (released) return;
        released = true;
        rmSync(LOCK_DIR, { recursive: true, force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let holder = NaN;
    try {
      holder = Number(readFileSync(owner, 'utf8'));
    } catch {
      // being created or removed right now
    }
    if (Number.isInteger(holder) && holder > 0 && !alive(holder)) {
      rmSync(LOCK_DIR, { recursive: true, force: true });
      continue;
    }
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for the split-test lock ${LOCK_DIR} (held by pid ${holder})`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Makes sure Kafka and PostgreSQL are there. Returns true when the suite can run; otherwise warns
 * loudly and returns false (skip), or throws under CI=true, where split suites must run.
 */
export async function splitInfrastructureAvailable(suite: string): Promise<boolean> {
  const release = await acquireSplitLock();
  let problems: string[];
  try {
    problems = (await Promise.all([ensureKafka(), ensurePostgres()])).filter((p): p is string => p !== undefined);
  } finally {
    release();
  }
  if (problems.length === 0) return true;
  const message = `split suite ${suite}: ${problems.join('; ')}`;
  if (process.env.CI === 'true') throw new Error(`${message} (CI=true: split suites must run, not skip)`);
  console.warn(
    `\n${'!'.repeat(100)}\n!!! SKIPPING ${message}\n!!! (start them with \`npm run kafka:start\` and a local PostgreSQL; under CI=true this fails)\n${'!'.repeat(100)}\n`,
  );
  return false;
}

/**
 * For suites outside test/split that need only PostgreSQL: true when it answers; otherwise warns
 * loudly and returns false (skip), or throws under CI=true.
 */
export async function postgresAvailable(suite: string): Promise<boolean> {
  const problem = await ensurePostgres();
  if (!problem) return true;
  const message = `${suite}: ${problem}`;
  if (process.env.CI === 'true') throw new Error(`${message} (CI=true: this suite must run, not skip)`);
  console.warn(`\n${'!'.repeat(100)}\n!!! SKIPPING ${message}\n${'!'.repeat(100)}\n`);
  return false;
}
