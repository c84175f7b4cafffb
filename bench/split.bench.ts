/**
 * `npm run bench:split`: the split deployment of issue 8 — gateway; user,notification;
 * catalog,inventory; order,payment × 2 — as five real processes over the local Kafka broker
 * (127.0.0.1:9092, a random topic prefix) and PostgreSQL (127.0.0.1:5432, a fresh database dropped
 * at the end), each with its own DATA_DIR, driven over HTTP through the gateway. Reports CPU per
 * confirmed order per process and summed, the broker's and PostgreSQL's CPU beside it, orders/s,
 * latencies, RSS, idle CPU, and the bare koa baseline measured in the same run.
 *
 *   npm run bench:split
 *   npm run bench:split -- --customers 20 --orders 10 --rate 50 --duration-s 30
 *   BENCH_CPU_PROF_DIR=/tmp/prof npm run bench:split    # one .cpuprofile per process, load phases only
 *
 * The processes are started with test/support/split/topology.ts (the split suites' launcher, so the
 * wiring — SERVICE_URLS_*, KAFKA_*, DATABASE_URL — is the same as theirs) and the database, topics
 * and split lock with test/support/split/infrastructure.ts. Tokens work across processes without a
 * shared DATA_DIR: processes verify user tokens against the user process's JWKS and service tokens
 * against the gateway's (SERVICE_URLS_USER / SERVICE_URLS_GATEWAY).
 *
 * Nothing is left behind: processes, database, topics, data dirs and the split lock are cleaned
 * up in `finally`, on SIGINT/SIGTERM and on the watchdog (bounded), and synchronously at exit as
 * a last resort (SIGKILL the processes, DROP DATABASE through psql).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import {
  acquireSplitLock,
  deleteKafkaTopics,
  KAFKA_BROKERS,
  kafkaPortOpen,
  POSTGRES_ADMIN_URL,
  startKafka,
  TestDatabase,
} from '../test/support/split/infrastructure.js';
import { ADMIN, Topology, type ProcessSpec } from '../test/support/split/topology.js';
import {
  expectStatus,
  HttpClient,
  ProcessMeter,
  childPids,
  intOption,
  kafkaBrokerPid,
  measureHello,
  postgresPids,
  procRss,
  sleep,
  summarize,
  type MeteredGroup,
} from './bench.kit.js';
import {
  busyWarning,
  clientCpu,
  closedLoop,
  cpuRows,
  eventually,
  failureLines,
  fill,
  fmt,
  idleRows,
  latencyRows,
  loadLine,
  machine,
  mib,
  openLoop,
  ordersPerSec,
  row,
  setUp,
  tableHeader,
  token,
  warmUp,
  type OrderRun,
} from './order-load.js';
import { floorLines, type KafkaFloorOptions, runKafkaFloor } from './kafka-floor.bench.js';
import { HOP_CONCURRENCY, requestHops } from './request-hops.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PROFILE_DIR = process.env.BENCH_CPU_PROF_DIR ? resolve(process.env.BENCH_CPU_PROF_DIR) : undefined;
/** BENCH_SPLIT_ENV="KAFKA_COMMIT_INTERVAL_MS=1000 RELAY_BATCH_SIZE=50": settings for every Mercato process (the split's environment is otherwise the topology's own). */
const PROCESS_ENV: Record<string, string> = Object.fromEntries(
  (process.env.BENCH_SPLIT_ENV ?? '')
    .split(/\s+/)
    .filter(Boolean)
    .map((pair) => {
      const at = pair.indexOf('=');
      if (at < 1) throw new Error(`BENCH_SPLIT_ENV: "${pair}" is not NAME=VALUE`);
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
);
const PROFILE_PHASE = process.env.BENCH_CPU_PROF_PHASE === 'idle' ? 'idle' : 'load';
const PRELOAD = fileURLToPath(new URL('./cpu-profile.preload.mjs', import.meta.url));
/** The Kafka transport ceiling bench (raw kafkajs against Mercato's transport), run after the split processes stop. */
const KAFKA_BASELINE = join(ROOT, 'bench/kafka-transport.bench.ts');

const CUSTOMERS = intOption('customers', 'BENCH_CUSTOMERS', 20, 1, 200);
const ORDERS = intOption('orders', 'BENCH_ORDERS', 10, 1, 100);
const POLL_MS = intOption('poll-ms', 'BENCH_POLL_MS', 20, 1, 1_000);
const RATE = intOption('rate', 'BENCH_RATE', 50, 0, 1_000);
const DURATION_S = intOption('duration-s', 'BENCH_DURATION_S', 30, 1, 300);
const MAX_OUTSTANDING = intOption('max-outstanding', 'BENCH_MAX_OUTSTANDING', Math.max(100, 2 * RATE), 1, 10_000);
const DRAIN_S = intOption('drain-s', 'BENCH_DRAIN_S', 15, 1, 120);
const IDLE_S = intOption('idle-s', 'BENCH_IDLE_S', 20, 0, 120);
const WARMUP = intOption('warmup', 'BENCH_WARMUP', 5, 1, 50);
const SOAK = intOption('soak', 'BENCH_SOAK', 0, 0, 20_000);
const FILL_LIMIT_S = intOption('fill-limit-s', 'BENCH_FILL_LIMIT_S', 240, 1, 1_200);
const REPLICAS = intOption('replicas', 'BENCH_ORDER_REPLICAS', 2, 1, 4);
const LOCK_WAIT_S = intOption('lock-wait-s', 'BENCH_LOCK_WAIT_S', 600, 0, 1_800);
const WATCHDOG_S = intOption('watchdog-s', 'BENCH_WATCHDOG_S', 900, 120, 3_600);
const KAFKA_BASELINE_S = intOption('kafka-baseline-s', 'BENCH_KAFKA_BASELINE_S', 300, 0, 1_800);
const KAFKA_FLOOR_S = intOption('kafka-floor-s', 'BENCH_KAFKA_FLOOR_S', 30, 0, 300);
const HOP_REQUESTS = intOption('hop-requests', 'BENCH_HOP_REQUESTS', 2_000, 0, 50_000);
const TOTAL = CUSTOMERS * ORDERS;
if (TOTAL > 5_000) throw new Error(`customers x orders must be at most 5000 (got ${TOTAL})`);
const CLOSED_LIMIT_MS = 120_000;
/** Bound on the clean-up after a failure or the watchdog. */
const CLEANUP_LIMIT_MS = 45_000;

const SPECS: ProcessSpec[] = [
  { name: 'gateway', modules: 'gateway' },
  { name: 'users', modules: 'user,notification' },
  { name: 'catalog', modules: 'catalog,inventory' },
  ...Array.from({ length: REPLICAS }, (_, i) => ({ name: `orders-${i + 1}`, modules: 'order,payment' })),
];

const out = (line = '') => process.stdout.write(`${line}\n`);

/** Everything this run started or created, so that every way out can undo it. */
const state: {
  release?: () => void;
  db?: TestDatabase;
  topology?: Topology;
  topicPrefix?: string;
  dataRoot?: string;
  cleaned: boolean;
} = { cleaned: false };

function runningPids(topology: Topology): number[] {
  return SPECS.filter((s) => topology.running(s.name)).map((s) => topology.pid(s.name)!);
}

/** Stops and removes everything, bounded; safe to call twice. */
async function cleanUp(graceful: boolean): Promise<void> {
  if (state.cleaned) return;
  state.cleaned = true;
  const work = (async () => {
    if (state.topology) {
      if (graceful) await state.topology.stop().catch((err: unknown) => process.stderr.write(`bench:split: stopping processes: ${(err as Error).message}\n`));
      else for (const pid of runningPids(state.topology)) killQuietly(pid);
    }
    if (state.topicPrefix) await deleteKafkaTopics(state.topicPrefix).catch(() => undefined);
    if (state.db) {
      await state.db.drop().then(
        () => (state.db = undefined),
        (err: unknown) => process.stderr.write(`bench:split: dropping ${state.db?.name}: ${(err as Error).message}\n`),
      );
    }
  })();
  await Promise.race([work, sleep(CLEANUP_LIMIT_MS)]);
  lastResort();
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Synchronous: the 'exit' hook, when nothing can be awaited any more. */
function lastResort(): void {
  if (state.topology) for (const pid of runningPids(state.topology)) killQuietly(pid);
  // Also processes started but not yet handed over (e.g. a Topology still starting when a signal came).
  for (const pid of childPids()) killQuietly(pid);
  if (state.db) {
    try {
      execFileSync('psql', [POSTGRES_ADMIN_URL, '-qc', `DROP DATABASE IF EXISTS "${state.db.name}" WITH (FORCE)`], { timeout: 10_000, stdio: 'ignore' });
    } catch {
      process.stderr.write(`bench:split: could not drop database ${state.db.name}\n`);
    }
    state.db = undefined;
  }
  if (state.dataRoot) rmSync(state.dataRoot, { recursive: true, force: true });
  state.release?.();
}

function phaseReport(title: string, run: OrderRun, usage: ReturnType<ProcessMeter['stop']>, clientMs: number, endedAt?: number): string[] {
  return [
    '',
    `${title}  (load average ${loadLine()})`,
    tableHeader(),
    ...latencyRows('', run, endedAt),
    `  ${run.confirmed}/${run.intended} confirmed, ${fmt(ordersPerSec(run, endedAt))} orders/s, ${fmt(run.pollMs.length / Math.max(1, run.confirmed))} polls per order, failures ${run.failures.length}`,
    ...failureLines(run),
    ...cpuRows(usage, run.confirmed),
    `  load generator (this process): ${fmt(clientMs / Math.max(1, run.confirmed), 2)} ms CPU per order`,
  ];
}

/**
 * What PostgreSQL saw, from its statistics views, over the whole run (set-up, idle and background
 * polling included): transactions and rows per placed order, and the most used tables.
 */
async function databaseActivity(db: TestDatabase, placed: number): Promise<void> {
  try {
    await sleep(1_000); // backends flush their statistics at most once a second
    const [d] = await db.query<Record<string, string>>(
      'select xact_commit, xact_rollback, tup_returned, tup_fetched, tup_inserted, tup_updated, tup_deleted from pg_stat_database where datname = current_database()',
    );
    const tables = await db.query<Record<string, string>>(
      `select schemaname || '.' || relname as name, seq_scan, coalesce(idx_scan, 0) as idx_scan, n_tup_ins, n_tup_upd, n_tup_del, n_live_tup
         from pg_stat_user_tables order by seq_scan + coalesce(idx_scan, 0) desc limit 12`,
    );
    const per = (v: string | undefined) => fmt(Number(v) / Math.max(1, placed), 1);
    out(`
PostgreSQL activity over the whole run (${placed} orders placed; idle polling and set-up included), per placed order:`);
    out(
      `  transactions ${per(d?.xact_commit)} committed + ${per(d?.xact_rollback)} rolled back; rows returned ${per(d?.tup_returned)}, fetched ${per(d?.tup_fetched)}, ` +
        `inserted ${per(d?.tup_inserted)}, updated ${per(d?.tup_updated)}, deleted ${per(d?.tup_deleted)}`,
    );
    out(
      `  ${'table'.padEnd(36)} ${'seq scans'.padStart(10)} ${'idx scans'.padStart(10)} ${'ins'.padStart(7)} ${'upd'.padStart(7)} ${'del'.padStart(7)} ${'rows'.padStart(7)}`,
    );
    for (const t of tables) {
      out(
        `  ${String(t.name).padEnd(36)} ${String(t.seq_scan).padStart(10)} ${String(t.idx_scan).padStart(10)} ${String(t.n_tup_ins).padStart(7)} ${String(t.n_tup_upd).padStart(7)} ${String(t.n_tup_del).padStart(7)} ${String(t.n_live_tup).padStart(7)}`,
      );
    }
  } catch (err) {
    out(`
PostgreSQL activity: not available (${(err as Error).message})`);
  }
}

/**
 * The open loop's Kafka traffic (same rate, same topics and groups) moved by raw kafkajs clients
 * with nothing of Mercato around them: what the Kafka client alone costs for it.
 */
async function kafkaFloor(openCpuPerOrder: number | undefined): Promise<void> {
  if (KAFKA_FLOOR_S === 0 || RATE === 0) return;
  const options: KafkaFloorOptions = { brokers: [KAFKA_BROKERS], rate: RATE, seconds: KAFKA_FLOOR_S, warmUpSeconds: 10, layout: 'module' };
  out(`\nthe open loop's Kafka traffic with raw kafkajs clients (bench/kafka-floor.bench.ts, ${KAFKA_FLOOR_S} s)  (load average ${loadLine()})`);
  try {
    const floor = await runKafkaFloor(options);
    for (const l of floorLines(floor, options).slice(1)) out(l);
    if (openCpuPerOrder !== undefined) {
      out(
        `ratio  Mercato CPU per order (open loop) / raw kafkajs clients' = ${fmt(openCpuPerOrder / floor.clientsPerOrder, 2)}x  ` +
          `(raw kafkajs clients ${fmt(floor.clientsPerOrder, 2)} ms per order; the split's target is 15 for everything)`,
      );
    }
  } catch (err) {
    out(`  not measured: ${(err as Error).message}`);
  }
}

/** Runs bench/kafka-transport.bench.ts as a child, bounded, and prints its output. */
async function kafkaBaseline(): Promise<void> {
  if (KAFKA_BASELINE_S === 0) return;
  out(`\nraw-kafkajs baseline and Mercato transport ceiling: bench/kafka-transport.bench.ts (at most ${KAFKA_BASELINE_S} s)`);
  const child = spawn(process.execPath, ['--import', 'tsx', KAFKA_BASELINE], { cwd: ROOT, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (c: Buffer) => process.stdout.write(c.toString('utf8').replace(/^/gm, '  | ')));
  child.stderr.on('data', (c: Buffer) => process.stdout.write(c.toString('utf8').replace(/^/gm, '  ! ')));
  const timer = setTimeout(() => child.kill('SIGKILL'), KAFKA_BASELINE_S * 1000);
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  clearTimeout(timer);
  out(`  (exit ${code ?? 'killed'})`);
}

async function main(): Promise<number> {
  const runId = Date.now().toString(36);
  let ok = true;
  out(
    `Mercato split: ${SPECS.map((s) => s.modules).join('; ')} over Kafka + PostgreSQL; closed loop ${CUSTOMERS} customers x ${ORDERS} orders; ` +
      `open loop ${RATE}/s for ${DURATION_S} s; idle ${IDLE_S} s${SOAK ? `; soak to ${SOAK} orders` : ''}`,
  );
  out(machine());

  // One split run at a time on this machine (the split suites take the same lock).
  const lockStart = performance.now();
  state.release = await acquireSplitLock(LOCK_WAIT_S * 1000);
  if (performance.now() - lockStart > 1_000) out(`waited ${fmt((performance.now() - lockStart) / 1000, 0)} s for the split lock`);
  const watchdog = setTimeout(() => {
    process.stderr.write(`bench:split: aborted by the watchdog after ${WATCHDOG_S} s; cleaning up\n`);
    void cleanUp(false).finally(() => process.exit(1));
  }, WATCHDOG_S * 1000);
  watchdog.unref();
  const busy = busyWarning();
  if (busy) out(busy);

  let api: HttpClient | undefined;
  try {
    if (!(await kafkaPortOpen())) {
      out('starting Kafka (npm run kafka:start)');
      await startKafka();
    }
    state.db = await TestDatabase.create('bench');
    state.dataRoot = mkdtempSync(join(tmpdir(), 'mercato-bench-split-'));
    const specs = SPECS.map((s) => {
      const dataDir = join(state.dataRoot!, s.name);
      mkdirSync(dataDir);
      // At the level a deployment logs at by default (info: a line per request in every process it crosses).
      const env: Record<string, string> = { LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info', ...PROCESS_ENV, DATA_DIR: dataDir };
      // NODE_OPTIONS, because Topology starts each process as `npm start` does, with no room for more flags (and --cpu-prof is not allowed there).
      const nodeOptions = [PROFILE_DIR ? `--import ${PRELOAD}` : '', process.env.BENCH_NODE_OPTIONS ?? ''].join(' ').trim();
      if (nodeOptions) env.NODE_OPTIONS = nodeOptions;
      if (PROFILE_DIR) Object.assign(env, { BENCH_CPU_PROF_DIR: PROFILE_DIR, BENCH_CPU_PROF_SIGNAL: '1', BENCH_CPU_PROF_NAME: s.name });
      return { ...s, env };
    });

    const startAt = performance.now();
    const topology = await Topology.start(specs, { databaseUrl: state.db.url, launcher: 'npm-start' });
    state.topology = topology;
    state.topicPrefix = topology.topicPrefix;
    const readyMs = performance.now() - startAt;
    out(`\nstart: all ${SPECS.length} processes answer /health/ready ${fmt(readyMs, 0)} ms after the first spawn (started together on ${2} cores)`);
    out(`database ${state.db.name}, topic prefix ${topology.topicPrefix}, one DATA_DIR per process under ${state.dataRoot}`);
    out(`pids: ${SPECS.map((s) => `${s.name} ${topology.pid(s.name)}`).join(', ')}`);

    const gateway = topology.url('gateway');
    api = new HttpClient(gateway, Math.max(CUSTOMERS + 4, Math.min(MAX_OUTSTANDING, 256)));
    const http = api;
    // The gateway probes its upstreams every few seconds: wait until it routes to each.
    const adminAuth = await eventually('the gateway to route to the user process', 30_000, () => token(http, ADMIN.email, ADMIN.password), 250);
    await eventually(
      'the gateway to route to the catalog process',
      30_000,
      async () => ((await http.get('/api/v1/products')).status === 200 ? true : undefined),
      250,
    );
    await eventually(
      'the gateway to route to the order processes',
      30_000,
      async () => ((await http.get('/api/v1/orders', { headers: adminAuth })).status === 200 ? true : undefined),
      250,
    );

    const kafkaPid = kafkaBrokerPid();
    const dbName = state.db.name;
    const groups: MeteredGroup[] = [
      ...SPECS.map((s) => ({
        name: `${s.name} (${s.modules})`,
        pids: () => [topology.pid(s.name)].filter((p): p is number => p !== undefined),
        mercato: true,
      })),
      { name: `kafka broker${kafkaPid ? ` (pid ${kafkaPid})` : ' (not found)'}`, pids: () => (kafkaPid ? [kafkaPid] : []), mercato: false },
      { name: `postgres backends of ${dbName}`, pids: () => postgresPids(dbName), mercato: false },
      { name: 'postgres, all processes (any database)', pids: () => postgresPids(), mercato: false },
    ];

    // ---- set-up and warm-up
    const setupStart = performance.now();
    const stock = CUSTOMERS * WARMUP + 2 * TOTAL + Math.round(RATE * DURATION_S) + SOAK + 1_000;
    const { productId, customers } = await setUp(api, runId, ADMIN, CUSTOMERS, stock);
    out(`setup (token, product, stock, ${CUSTOMERS} sign-ups) in ${fmt(performance.now() - setupStart, 0)} ms`);
    const warmMs = await warmUp(api, customers, productId, POLL_MS, WARMUP);
    out(`warm-up (${CUSTOMERS * WARMUP} orders, untimed) in ${fmt(warmMs, 0)} ms`);
    let placed = CUSTOMERS * WARMUP;

    const toggleProfiles = () => {
      if (!PROFILE_DIR) return;
      for (const s of SPECS) {
        const pid = topology.pid(s.name);
        if (pid) process.kill(pid, 'SIGUSR2');
      }
    };

    // ---- idle (BENCH_CPU_PROF_PHASE=idle: the profiles cover this phase instead of the load)
    if (IDLE_S > 0) {
      await sleep(2_000);
      if (PROFILE_PHASE === 'idle') toggleProfiles();
      const meter = new ProcessMeter(groups, 1_000).start();
      await sleep(IDLE_S * 1000);
      if (PROFILE_PHASE === 'idle') toggleProfiles();
      out(`\nidle, no traffic for ${IDLE_S} s (target <= 1 % of a core per Mercato process; broker and PostgreSQL are shared with the rest of the machine):`);
      for (const l of idleRows(meter.stop())) out(l);
    }

    // ---- closed loop (the profiles, if any, cover the closed and the open loop)
    if (PROFILE_PHASE === 'load') toggleProfiles();
    let meter = new ProcessMeter(groups, 500).start();
    let client = clientCpu();
    const closed = await closedLoop(api, customers, productId, ORDERS, POLL_MS, CLOSED_LIMIT_MS);
    const closedUsage = meter.stop();
    placed += closed.intended;
    for (const l of phaseReport(
      `closed loop: ${CUSTOMERS} customers x ${ORDERS} orders through the gateway, poll every ${POLL_MS} ms`,
      closed,
      closedUsage,
      client(),
    ))
      out(l);
    ok &&= closed.failures.length === 0;
    const mercatoCpu = (u: typeof closedUsage) => u.groups.filter((g) => g.mercato).reduce((a, g) => a + g.cpuMs, 0);
    const closedCpuPerOrder = mercatoCpu(closedUsage) / Math.max(1, closed.confirmed);
    out(
      `  Mercato processes summed: ${fmt(closedCpuPerOrder, 2)} ms CPU per confirmed order (target <= 15 ms); ${fmt(ordersPerSec(closed))} orders/s (target >= 60)`,
    );
    const gatewayCpu = closedUsage.groups.find((g) => g.name.startsWith('gateway'))?.cpuMs ?? NaN;
    out(`  gateway: ${fmt(gatewayCpu / Math.max(1, closed.postMs.length + closed.pollMs.length), 2)} ms CPU per proxied request (POST or poll)`);

    // ---- open loop
    let openCpuPerOrder: number | undefined;
    if (RATE > 0) {
      meter = new ProcessMeter(groups, 500).start();
      client = clientCpu();
      const open = await openLoop(api, customers, productId, {
        ratePerSec: RATE,
        durationMs: DURATION_S * 1000,
        maxOutstanding: MAX_OUTSTANDING,
        drainMs: DRAIN_S * 1000,
        pollMs: POLL_MS,
      });
      const usage = meter.stop();
      placed += open.intended - open.dropped;
      for (const l of phaseReport(
        `open loop: ${RATE} orders/s offered for ${DURATION_S} s (latency from the intended send time; at most ${MAX_OUTSTANDING} pending, drain ${DRAIN_S} s)`,
        open,
        usage,
        client(),
        open.endedAt,
      ))
        out(l);
      out(`  dropped (too many pending) ${open.dropped}, unfinished after the drain ${open.unfinished}: both count as infinitely late in the percentiles`);
      openCpuPerOrder = mercatoCpu(usage) / Math.max(1, open.confirmed);
      out(`  target: POST -> confirmed p99 <= 250 ms: ${fmt(summarize(open.confirmMs).p99)} ms; Mercato ${fmt(openCpuPerOrder, 2)} ms CPU per order`);
    }
    if (PROFILE_PHASE === 'load') toggleProfiles();
    if (PROFILE_DIR)
      out(
        `\nCPU profiles of the ${PROFILE_PHASE === 'idle' ? 'idle phase' : 'closed and open loops'} written to ${PROFILE_DIR} (npx tsx bench/cpuprofile-summary.ts ${PROFILE_DIR}/*.cpuprofile)`,
      );

    // ---- after N orders
    if (SOAK > 0) {
      const need = SOAK - placed;
      if (need > 0) {
        const filled = await fill(api, customers, productId, need, POLL_MS, FILL_LIMIT_S * 1000);
        placed += filled.placed;
        out(`\nfill: ${filled.placed} more orders (${filled.confirmed} confirmed), ${placed} placed in all`);
      }
      meter = new ProcessMeter(groups, 500).start();
      client = clientCpu();
      const late = await closedLoop(api, customers, productId, ORDERS, POLL_MS, CLOSED_LIMIT_MS);
      const lateUsage = meter.stop();
      for (const l of phaseReport(`closed loop again, after ${placed} orders`, late, lateUsage, client())) out(l);
      const lateCpu = mercatoCpu(lateUsage) / Math.max(1, late.confirmed);
      out(
        `  CPU per order (Mercato summed) after ${placed} orders / in the first closed loop: ${fmt(lateCpu, 2)} / ${fmt(closedCpuPerOrder, 2)} ms = ${fmt(lateCpu / closedCpuPerOrder, 2)}x`,
      );
      ok &&= late.failures.length === 0;
    }

    out('\nRSS at the end (now / lifetime peak):');
    for (const s of SPECS) {
      const pid = topology.pid(s.name);
      const rss = pid ? procRss(pid) : undefined;
      out(`  ${s.name.padEnd(12)} ${rss ? `${mib(rss.rss)} / ${mib(rss.peak)}` : '-'}`);
    }
    await databaseActivity(state.db, placed);
    // ---- one request, hop by hop (after the database's statistics, which count per placed order)
    if (HOP_REQUESTS > 0) {
      const owner = customers[0]!;
      const order = await api.post<{ id: string }>(
        '/api/v1/orders',
        { items: [{ productId, quantity: 1 }], paymentMethod: 'pm_card_visa' },
        { headers: owner.auth },
      );
      const orderId = expectStatus(order, 202, 'place an order to poll').body.id;
      const orderProcess = new HttpClient(topology.url('orders-1'), HOP_CONCURRENCY);
      out(
        `\none request, hop by hop (${HOP_REQUESTS} of each, ${HOP_CONCURRENCY} concurrent; a process's floor is a /health/live it answers itself)  (load average ${loadLine()})`,
      );
      const lines = await requestHops({
        gateway: api,
        orderProcess,
        processes: SPECS.map((s) => ({ name: s.name, pid: () => topology.pid(s.name) })),
        poll: { path: `/api/v1/orders/${orderId}`, headers: owner.auth },
        n: HOP_REQUESTS,
      }).finally(() => orderProcess.close());
      for (const l of lines) out(l);
    }

    const warnLines = topology.warnings(4_000);
    const crashes = topology.crashes();
    api.close();
    api = undefined;
    await cleanUp(true);
    if (crashes.length > 0) {
      ok = false;
      out(`\nprocesses that exited during the run: ${crashes.join('; ')}`);
    }

    // ---- baselines
    const hello = await measureHello(ROOT, CUSTOMERS, TOTAL);
    const h = summarize(hello.ms);
    const rps = ordersPerSec(closed);
    out(`\nbaseline: bare koa GET / {ok:true}, ${CUSTOMERS} concurrent, median of 5 rounds of ${TOTAL} requests (load average ${loadLine()})`);
    out(tableHeader());
    out(row('hello koa GET /', h, fmt(hello.reqPerSec)));
    out(
      `  rounds ${hello.rates.map((r) => fmt(r, 0)).join(', ')} req/s; failures ${hello.failures}; server CPU ${fmt(hello.cpuMsPerRequest, 3)} ms per request`,
    );
    out('');
    out(`ratio  closed-loop orders/s / hello req/s           = ${fmt(rps / hello.reqPerSec, 4)}  (1 : ${fmt(hello.reqPerSec / rps, 0)})`);
    out(`ratio  Mercato CPU per order / hello CPU per request = ${fmt(closedCpuPerOrder / hello.cpuMsPerRequest, 0)}x`);
    out(`ratio  POST p50 / hello p50                         = ${fmt(summarize(closed.postMs).p50 / h.p50, 1)}x`);
    out(`ratio  POST -> confirmed p50 / hello p50            = ${fmt(summarize(closed.confirmMs).p50 / h.p50, 1)}x`);
    ok &&= hello.failures === 0;

    await kafkaFloor(openCpuPerOrder);
    await kafkaBaseline();

    out('');
    out(`process log lines at warn or above (or on stderr): ${warnLines.length}; load average at the end: ${loadLine()}`);
    for (const l of warnLines.slice(-8)) out(`  | ${l.slice(0, 300)}`);
    return ok ? 0 : 1;
  } catch (err) {
    const diag = state.topology ? `\n${state.topology.diagnostics().split('\n').slice(-60).join('\n')}` : '';
    process.stderr.write(`bench:split failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}${diag}\n`);
    return 1;
  } finally {
    clearTimeout(watchdog);
    api?.close();
    await cleanUp(true);
  }
}

process.on('exit', lastResort);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    process.stderr.write(`bench:split: ${signal}, cleaning up\n`);
    void cleanUp(false).finally(() => process.exit(130));
  });
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench:split failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    void cleanUp(false).finally(() => process.exit(1));
  },
);
