/**
 * The Kafka transport's ceiling: how many events per second go through Mercato's transport
 * (unit of work → outbox → relay → Kafka → consumer → inbox → handler done), against raw kafkajs
 * producing and consuming the same messages on the same broker, in the same run.
 *
 *   npm run bench:kafka                                   # 20,000 events each side, SQLite
 *   npm run bench:kafka -- --events 50000 --db postgres   # or BENCH_KAFKA_EVENTS / BENCH_KAFKA_DB …
 *   BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" npm run bench:kafka   # profile Mercato's side
 *
 * Each side runs in a child process of its own (so its CPU time is its own, and a profile shows
 * only it), one after the other, on fresh topics of this run (deleted at the end):
 *
 * - **raw**: one kafkajs producer (idempotent, acks=all, one request in flight: the settings the
 *   transport uses) sends the events as CloudEvents messages in `sendBatch` requests of
 *   `--batch` messages; one kafkajs consumer (eachBatch, auto-commit) counts them.
 * - **mercato**: the real system (`createSystem`) hosting two bench modules over the Kafka bus:
 *   `emitter` publishes through its unit of work (`--writers` concurrent writers, `--per-tx`
 *   events per transaction), `receiver` handles each event in its own transaction with its inbox
 *   record and nothing else. SQLite files (default) or PostgreSQL (`--db postgres`).
 *
 * Both first move an untimed warm-up of 1,000 events, then time from the first publish to the
 * last event handled. Also reported: CPU (user+sys) of each side's process per event, and the
 * broker's, read from /proc. Exports `runKafkaTransportBench` for other benches.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { arch, cpus, loadavg, platform, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { kafkaBrokerPid } from './bench.kit.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const WARM_UP = 1_000;
const PAD = 'x'.repeat(200);

export interface KafkaTransportBenchOptions {
  /** `host:port[,host:port]`. */
  brokers: string;
  /** Timed events per side. */
  events: number;
  /** Concurrent unit-of-work writers on Mercato's side. */
  writers: number;
  /** Events per unit of work on Mercato's side. */
  perTx: number;
  /** Messages per raw `sendBatch` request (the relay's batch size by default). */
  batch: number;
  partitions: number;
  db: 'sqlite' | 'postgres';
  /** PostgreSQL server for `db: postgres` (a database of this run is created and dropped). */
  postgresUrl: string;
  /** Extra node flags for Mercato's process (e.g. `--cpu-prof`). */
  nodeArgs: string[];
  /** Environment for Mercato's process (e.g. `KAFKA_LINGER_MS`). */
  env: Record<string, string>;
  /** Per side. */
  timeoutMs: number;
}

export interface SideResult {
  side: 'raw' | 'mercato';
  events: number;
  seconds: number;
  perSecond: number;
  /** CPU (user+sys) of the side's process during the timed part. */
  cpuMs: number;
  /** CPU of the Kafka broker's process during the timed part, when it could be read. */
  brokerCpuMs?: number;
}

export interface KafkaTransportBenchResult {
  raw: SideResult;
  mercato: SideResult;
  /** mercato events/s ÷ raw events/s. */
  ratio: number;
}

export const DEFAULT_OPTIONS: KafkaTransportBenchOptions = {
  brokers: process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092',
  events: 20_000,
  writers: 8,
  perTx: 1,
  batch: 200,
  partitions: 3,
  db: 'sqlite',
  postgresUrl: process.env['BENCH_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  nodeArgs: [],
  env: {},
  timeoutMs: 120_000,
};

// ---------------------------------------------------------------- driver (parent)

/** Runs both sides, raw first, each in its own child process, on fresh topics that are deleted afterwards. */
export async function runKafkaTransportBench(partial: Partial<KafkaTransportBenchOptions> = {}): Promise<KafkaTransportBenchResult> {
  const options = { ...DEFAULT_OPTIONS, ...partial };
  const prefix = `mercato-bench-${randomBytes(4).toString('hex')}`;
  try {
    const raw = await runSide('raw', prefix, options);
    const mercato = await runSide('mercato', prefix, options);
    return { raw, mercato, ratio: mercato.perSecond / raw.perSecond };
  } finally {
    await deleteTopics(options.brokers, prefix);
  }
}

async function runSide(side: SideResult['side'], prefix: string, options: KafkaTransportBenchOptions): Promise<SideResult> {
  const broker = kafkaBrokerPid(Number(options.brokers.split(',')[0]!.split(':').pop()));
  const nodeArgs = side === 'mercato' ? options.nodeArgs : [];
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', SELF, '--child', side], {
    cwd: ROOT,
    env: { ...process.env, ...(side === 'mercato' ? options.env : {}), BENCH_KAFKA_CHILD: JSON.stringify({ ...options, prefix }) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let brokerBefore: number | undefined;
  let brokerAfter: number | undefined;
  // The child says when its timed part starts and ends, so the broker's CPU covers the same span.
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    if (!broker) return;
    if (brokerBefore === undefined && output.includes('BENCH-TIMED-START')) brokerBefore = cpuMsOf(broker);
    if (brokerAfter === undefined && output.includes('BENCH-TIMED-END')) brokerAfter = cpuMsOf(broker);
  });
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs + 60_000);
  try {
    const result = await new Promise<SideResult>((resolve, reject) => {
      child.on('exit', (code, signal) => {
        const line = output.split('\n').find((l) => l.startsWith('BENCH-RESULT '));
        if (code === 0 && line) resolve(JSON.parse(line.slice('BENCH-RESULT '.length)) as SideResult);
        else reject(new Error(`${side} side failed (${signal ?? `exit ${code}`}):\n${output.split('\n').slice(-30).join('\n')}`));
      });
    });
    return brokerBefore !== undefined && brokerAfter !== undefined ? { ...result, brokerCpuMs: brokerAfter - brokerBefore } : result;
  } finally {
    clearTimeout(timer);
    process.off('exit', kill);
  }
}

/** utime + stime of a process, in ms, from /proc (Linux; undefined elsewhere). */
export function cpuMsOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks();
  } catch {
    return undefined;
  }
}

let ticks: number | undefined;
function clockTicks(): number {
  if (ticks === undefined) {
    try {
      ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

/** Best effort: deletes the topics and consumer groups of a run (`<prefix>*`) from the shared broker. */
export async function deleteTopics(brokers: string, prefix: string): Promise<void> {
  const admin = new Kafka({ clientId: `${prefix}-cleanup`, brokers: brokers.split(','), logLevel: logLevel.NOTHING }).admin();
  try {
    await admin.connect();
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 10_000 });
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(prefix));
    if (groups.length > 0) await admin.deleteGroups(groups).catch(() => undefined);
  } catch {
    // best effort on a shared broker
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

// ---------------------------------------------------------------- the sides (children)

type ChildOptions = KafkaTransportBenchOptions & { prefix: string };

function timed(): { stop(): { seconds: number; cpuMs: number } } {
  process.stdout.write('BENCH-TIMED-START\n');
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  return {
    stop() {
      const cpu = process.cpuUsage(cpu0);
      const seconds = (performance.now() - t0) / 1000;
      process.stdout.write('BENCH-TIMED-END\n');
      return { seconds, cpuMs: (cpu.user + cpu.system) / 1000 };
    },
  };
}

async function rawSide(options: ChildOptions): Promise<SideResult> {
  const { toKafkaMessage } = await import('../src/kernel/events/cloudevents-kafka.codec.js');
  const { createEnvelope } = await import('../src/kernel/events/event-envelope.js');
  const topic = `${options.prefix}.raw`;
  const kafka = new Kafka({ clientId: `${options.prefix}-raw`, brokers: options.brokers.split(','), logLevel: logLevel.ERROR });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: options.partitions, replicationFactor: -1 }] });
  await admin.disconnect();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  const consumer = kafka.consumer({ groupId: `${options.prefix}.raw`, maxWaitTimeInMs: 100 });
  await Promise.all([producer.connect(), consumer.connect()]);
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let received = 0;
  let waiter: { target: number; resolve: () => void } | undefined;
  await consumer.run({
    eachBatch: async ({ batch }) => {
      received += batch.messages.length;
      if (waiter && received >= waiter.target) waiter.resolve();
    },
  });
  const reached = (target: number) =>
    new Promise<void>((resolve) => {
      if (received >= target) resolve();
      else waiter = { target, resolve };
    });
  const produce = async (first: number, count: number) => {
    for (let at = first; at < first + count; at += options.batch) {
      const messages = [];
      for (let n = at; n < Math.min(at + options.batch, first + count); n++) {
        messages.push(toKafkaMessage(createEnvelope({ source: 'emitter', type: 'emitter.tick.v1', subject: `s-${n % 1000}`, data: { n, pad: PAD } })));
      }
      await producer.sendBatch({ acks: -1, topicMessages: [{ topic, messages }] });
    }
  };
  await produce(0, WARM_UP);
  await reached(WARM_UP);
  const clock = timed();
  await Promise.all([produce(WARM_UP, options.events), reached(WARM_UP + options.events)]);
  const { seconds, cpuMs } = clock.stop();
  await Promise.all([consumer.disconnect(), producer.disconnect()]);
  return { side: 'raw', events: options.events, seconds, perSecond: options.events / seconds, cpuMs };
}

async function mercatoSide(options: ChildOptions): Promise<SideResult> {
  await import('reflect-metadata');
  const { loadConfig } = await import('../src/kernel/config/config.loader.js');
  const { createSystem } = await import('../src/runtimes/system.factory.js');
  const { Emitter, Received, emitterModule, receiverModule } = await import('./kafka-transport.modules.js');
  const dataDir = mkdtempSync(join(tmpdir(), 'mercato-bench-kafka-'));
  let database: string | undefined;
  const env: Record<string, string | undefined> = {
    ...process.env,
    NODE_ENV: 'development',
    LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'warn',
    DATA_DIR: dataDir,
    EVENT_BUS: 'kafka',
    KAFKA_BROKERS: options.brokers,
    KAFKA_TOPIC_PREFIX: options.prefix,
    KAFKA_PARTITIONS: String(options.partitions),
    MODULES: 'all',
    DATABASE_URL: undefined,
  };
  if (options.db === 'postgres') {
    const url = new URL(options.postgresUrl);
    database = `${options.prefix.replace(/-/g, '_')}`;
    url.pathname = `/${database}`;
    env['DATABASE_URL'] = url.toString();
  }
  const config = loadConfig(env, undefined, { log: { pretty: false }, seedDemoData: false });
  const { OutboxRelay } = await import('../src/kernel/events/outbox.relay.js');
  const { EventConsumer } = await import('../src/kernel/events/event.consumer.js');
  const stats = { passes: 0, rows: 0, batches: 0, batched: 0 };
  // Counts by wrapping two private methods on the prototypes: the shapes below are theirs.
  const relay = OutboxRelay.prototype as unknown as { publishBatch: (this: unknown, em: unknown) => Promise<number> };
  const consumer = EventConsumer.prototype as unknown as { applyTogether: (this: unknown, items: unknown[]) => unknown };
  const pb = relay.publishBatch;
  relay.publishBatch = async function (this: unknown, em: unknown) {
    const n = await pb.call(this, em);
    stats.passes++;
    stats.rows += n;
    return n;
  };
  const at = consumer.applyTogether;
  consumer.applyTogether = function (this: unknown, items: unknown[]) {
    stats.batches++;
    stats.batched += items.length;
    return at.call(this, items);
  };
  process.on('exit', () => console.error('STATS', JSON.stringify(stats)));
  const system = await createSystem(config, { available: [emitterModule, receiverModule] });
  try {
    const emitter = system.modules.get('emitter')!.container.resolve(Emitter);
    const received = system.modules.get('receiver')!.container.resolve(Received);
    const emit = async (first: number, count: number) => {
      let next = first;
      await Promise.all(
        Array.from({ length: options.writers }, async () => {
          while (next < first + count) {
            const at = next;
            const size = Math.min(options.perTx, first + count - at);
            next += size;
            await emitter.emit(at, size, 1000, PAD);
          }
        }),
      );
    };
    await emit(0, WARM_UP);
    await received.reached(WARM_UP);
    const clock = timed();
    await Promise.all([emit(WARM_UP, options.events), received.reached(WARM_UP + options.events)]);
    const { seconds, cpuMs } = clock.stop();
    return { side: 'mercato', events: options.events, seconds, perSecond: options.events / seconds, cpuMs };
  } finally {
    await system.stop();
    rmSync(dataDir, { recursive: true, force: true });
    if (database) await dropDatabase(options.postgresUrl, database);
  }
}

async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  const { connectToServer } = await import('../src/kernel/db/module-orm.factory.js');
  const admin = await connectToServer(serverUrl);
  try {
    await admin.em.getConnection().execute(`drop database if exists "${name}" with (force)`);
  } finally {
    await admin.close(true);
  }
}

async function child(side: string): Promise<void> {
  const options = JSON.parse(process.env['BENCH_KAFKA_CHILD'] ?? '{}') as ChildOptions;
  const watchdog = setTimeout(() => {
    console.error(`${side} side did not finish within ${options.timeoutMs} ms`);
    process.exit(1);
  }, options.timeoutMs);
  watchdog.unref();
  const result = side === 'raw' ? await rawSide(options) : await mercatoSide(options);
  process.stdout.write(`BENCH-RESULT ${JSON.stringify(result)}\n`);
  process.exit(0);
}

// ---------------------------------------------------------------- command line

function option(flag: string, envName: string, fallback: number, min: number, max: number): number {
  const raw = argValue(flag) ?? process.env[envName];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`--${flag} / ${envName} must be an integer in [${min}, ${max}], got "${raw}"`);
  return value;
}

function argValue(flag: string): string | undefined {
  const argv = process.argv.slice(2);
  let raw: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === `--${flag}`) raw = argv[i + 1];
    else if (arg.startsWith(`--${flag}=`)) raw = arg.slice(flag.length + 3);
  }
  return raw;
}

async function ensureBroker(): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const run = spawn('npm', ['run', '--silent', 'kafka:start'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    run.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`npm run kafka:start failed (exit ${code})`))));
  });
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

async function main(): Promise<void> {
  const db = argValue('db') ?? process.env['BENCH_KAFKA_DB'] ?? 'sqlite';
  if (db !== 'sqlite' && db !== 'postgres') throw new Error(`--db must be sqlite or postgres, got "${db}"`);
  const options: KafkaTransportBenchOptions = {
    ...DEFAULT_OPTIONS,
    events: option('events', 'BENCH_KAFKA_EVENTS', DEFAULT_OPTIONS.events, 1_000, 500_000),
    writers: option('writers', 'BENCH_KAFKA_WRITERS', DEFAULT_OPTIONS.writers, 1, 200),
    perTx: option('per-tx', 'BENCH_KAFKA_PER_TX', DEFAULT_OPTIONS.perTx, 1, 1_000),
    batch: option('batch', 'BENCH_KAFKA_BATCH', DEFAULT_OPTIONS.batch, 1, 10_000),
    partitions: option('partitions', 'BENCH_KAFKA_PARTITIONS', DEFAULT_OPTIONS.partitions, 1, 64),
    db,
    nodeArgs: (process.env['BENCH_NODE_ARGS'] ?? '').split(' ').filter(Boolean),
  };
  const [l1, l5, l15] = loadavg();
  console.log(
    `Kafka transport ceiling: ${fmt(options.events)} events per side after ${fmt(WARM_UP)} warm-up, ${options.partitions} partitions, brokers ${options.brokers}`,
  );
  console.log(
    `mercato: ${options.writers} writers x ${options.perTx} event(s) per unit of work, ${options.db} module databases; raw: sendBatch of ${options.batch}`,
  );
  console.log(`machine: ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM`);
  console.log(`         Node ${process.version}, ${platform()} ${arch()}, load average ${l1!.toFixed(2)} ${l5!.toFixed(2)} ${l15!.toFixed(2)}`);
  if (l1! > cpus().length / 2)
    console.log(`warning: the machine is busy (1-min load ${l1!.toFixed(2)} on ${cpus().length} cores); figures will be low and noisy`);
  await ensureBroker();
  const result = await runKafkaTransportBench(options);
  console.log('');
  console.log(
    `${'side'.padEnd(44)}${'events'.padStart(9)}${'seconds'.padStart(9)}${'events/s'.padStart(11)}${'CPU µs/ev'.padStart(11)}${'broker µs/ev'.padStart(14)}`,
  );
  console.log('-'.repeat(98));
  for (const r of [result.raw, result.mercato]) {
    const label = r.side === 'raw' ? 'raw kafkajs produce -> consume' : `mercato outbox -> relay -> kafka -> inbox (${options.db})`;
    const broker = r.brokerCpuMs === undefined ? '–' : fmt((r.brokerCpuMs * 1000) / r.events);
    console.log(
      `${label.padEnd(44)}${fmt(r.events).padStart(9)}${r.seconds.toFixed(2).padStart(9)}${fmt(r.perSecond).padStart(11)}${fmt((r.cpuMs * 1000) / r.events).padStart(11)}${broker.padStart(14)}`,
    );
  }
  console.log('');
  console.log(`ratio  mercato events/s / raw events/s = ${result.ratio.toFixed(2)}  (target >= 0.70)`);
  const [a1, a5, a15] = loadavg();
  console.log(`load average after: ${a1!.toFixed(2)} ${a5!.toFixed(2)} ${a15!.toFixed(2)}`);
}

const childSide = process.argv.includes('--child') ? process.argv[process.argv.indexOf('--child') + 1] : undefined;
if (childSide) {
  child(childSide).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
} else if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
