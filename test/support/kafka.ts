import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * A local Kafka broker for tests: `npm run kafka:start` (deploy/kafka/start.sh) is idempotent and
 * returns once the broker accepts connections. The broker is shared with other suites and other
 * people's runs: tests never stop it, and keep to their own topic/group prefix.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** `MERCATO_KAFKA_PORT` moves the broker `npm run kafka:start` runs (and these tests use), e.g. a second one of another version. */
const LOCAL_BROKERS = `127.0.0.1:${process.env['MERCATO_KAFKA_PORT'] || '9092'}`;
const START_TIMEOUT_MS = 120_000;

/**
 * Brokers known to be up. Set by `ensureKafka()` once it succeeded, so that later calls in this
 * process and in child processes it spawns (crash tests) do not start anything again.
 */
export const TEST_KAFKA_BROKERS = 'TEST_KAFKA_BROKERS';

let ensured: Promise<string | undefined> | undefined;
let failure: string | undefined;

/**
 * Brokers (`host:port[,host:port]`) to run tests against, or undefined when no broker can be had
 * (then `kafkaFailure()` tells why). Runs `npm run kafka:start` at most once per process, bounded
 * by ~120 s.
 */
export function ensureKafka(): Promise<string | undefined> {
  ensured ??= startLocalBroker();
  return ensured;
}

/** Why `ensureKafka()` gave no broker. */
export function kafkaFailure(): string | undefined {
  return failure;
}

/**
 * Deals with a missing broker the agreed way: under CI (`CI=true`) it throws, since a Kafka suite
 * that silently did not run proves nothing; elsewhere it warns loudly (the caller then skips).
 */
export function kafkaUnavailable(what: string, reason = failure ?? 'ensureKafka() was not called'): void {
  const message = `${what}: no Kafka broker (${reason}). Start one with \`npm run kafka:start\`.`;
  if (process.env['CI'] === 'true') throw new Error(`${message} Under CI=true the Kafka suite must run, so this fails.`);
  console.warn(['', '!'.repeat(100), `!!! SKIPPING THE KAFKA SUITE — ${message}`, '!'.repeat(100), ''].join('\n'));
}

async function startLocalBroker(): Promise<string | undefined> {
  const known = process.env[TEST_KAFKA_BROKERS];
  if (known) return known;
  const started = await run('npm', ['run', '--silent', 'kafka:start'], START_TIMEOUT_MS);
  if (!started.ok) {
    failure = started.reason;
    return undefined;
  }
  process.env[TEST_KAFKA_BROKERS] = LOCAL_BROKERS;
  return LOCAL_BROKERS;
}

/** The second local broker, whose client port requires SASL (deploy/kafka/sasl.sh). */
export const SASL_BROKERS = `127.0.0.1:${process.env['MERCATO_KAFKA_SASL_PORT'] ?? '19094'}`;
export const SASL_USER = {
  username: process.env['MERCATO_KAFKA_SASL_USER'] ?? 'mercato',
  password: process.env['MERCATO_KAFKA_SASL_PASSWORD'] ?? 'mercato-secret',
};
let saslEnsured: Promise<{ ok: true } | { ok: false; reason: string }> | undefined;

/**
 * Starts (idempotently) the SASL broker beside the shared one; it never touches the broker on 9092.
 * Undefined when it cannot be had (then the reason), like `ensureKafka()`.
 */
export async function ensureSaslKafka(): Promise<{ brokers: string } | { failure: string }> {
  saslEnsured ??= run('bash', ['deploy/kafka/sasl.sh', 'start'], START_TIMEOUT_MS);
  const started = await saslEnsured;
  return started.ok ? { brokers: SASL_BROKERS } : { failure: started.reason.replace('`npm run kafka:start`', '`bash deploy/kafka/sasl.sh start`') };
}

function run(command: string, args: string[], timeoutMs: number): Promise<{ ok: true } | { ok: false; reason: string }> {
  return new Promise((resolve) => {
    let output = '';
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const tail = () => output.trim().split('\n').slice(-5).join(' | ');
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      resolve({ ok: false, reason: `\`npm run kafka:start\` did not finish within ${timeoutMs / 1000} s: ${tail()}` });
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ ok: false, reason: `could not run npm: ${err.message}` });
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code === 0 ? { ok: true } : { ok: false, reason: `\`npm run kafka:start\` failed (${signal ?? `exit ${code}`}): ${tail()}` });
    });
  });
}
