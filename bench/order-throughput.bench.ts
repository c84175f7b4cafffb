/**
 * `npm run bench`: the all-in-one Mercato process (`src/runtimes/main.ts`, every module, SQLite
 * files in a fresh temp dir, in-memory bus), driven from outside over HTTP, against a bare koa
 * baseline measured in the same run. See bench/README.md for what each figure means.
 *
 *   npm run bench                                       # defaults
 *   npm run bench -- --customers 40 --orders 5 --rate 50 --soak 0
 *   BENCH_CPU_PROF_DIR=/tmp/prof npm run bench          # also write a .cpuprofile of the server
 *
 * Phases: start (time to /health/ready) → set-up → warm-up → idle → closed loop → open loop →
 * fill up to --soak orders → the closed loop again ("after N orders") → stop → koa baseline.
 * Everything is bounded: each phase has a time limit and the whole run aborts (children killed,
 * exit 1) after --watchdog-s.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { NPM_START_ENV, NPM_START_NODE_FLAGS } from '../test/support/npm-start.js';
import {
  ChildServer,
  HttpClient,
  ProcessMeter,
  cleanEnv,
  freePort,
  intOption,
  measureHello,
  procRss,
  procThreadCpuMs,
  sleep,
  summarize,
  type MeteredGroup,
  threadCpuSince,
  type ThreadCpu,
} from './bench.kit.js';
import {
  busyWarning,
  clientCpu,
  closedLoop,
  cpuRows,
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
  warmUp,
  type OrderRun,
} from './order-load.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ADMIN = { email: 'bench-admin@bench.local', password: 'bench-admin-password' };
const START_TIMEOUT_MS = 30_000;
const PROFILE_DIR = process.env.BENCH_CPU_PROF_DIR ? resolve(process.env.BENCH_CPU_PROF_DIR) : undefined;
const PRELOAD = fileURLToPath(new URL('./cpu-profile.preload.mjs', import.meta.url));

const CUSTOMERS = intOption('customers', 'BENCH_CUSTOMERS', 20, 1, 200);
const ORDERS = intOption('orders', 'BENCH_ORDERS', 10, 1, 100);
const POLL_MS = intOption('poll-ms', 'BENCH_POLL_MS', 20, 1, 1_000);
const RATE = intOption('rate', 'BENCH_RATE', 100, 0, 2_000);
const DURATION_S = intOption('duration-s', 'BENCH_DURATION_S', 30, 1, 300);
const MAX_OUTSTANDING = intOption('max-outstanding', 'BENCH_MAX_OUTSTANDING', Math.max(100, 2 * RATE), 1, 10_000);
const DRAIN_S = intOption('drain-s', 'BENCH_DRAIN_S', 15, 1, 120);
const IDLE_S = intOption('idle-s', 'BENCH_IDLE_S', 20, 0, 120);
const WARMUP = intOption('warmup', 'BENCH_WARMUP', 5, 1, 50);
const SOAK = intOption('soak', 'BENCH_SOAK', 2_000, 0, 20_000);
const FILL_LIMIT_S = intOption('fill-limit-s', 'BENCH_FILL_LIMIT_S', 240, 1, 1_200);
const WATCHDOG_S = intOption('watchdog-s', 'BENCH_WATCHDOG_S', 900, 60, 3_600);
const TOTAL = CUSTOMERS * ORDERS;
if (TOTAL > 5_000) throw new Error(`customers x orders must be at most 5000 (got ${TOTAL})`);
/** A closed-loop phase that has not finished placing its orders after this long stops placing. */
const CLOSED_LIMIT_MS = 90_000;

const out = (line = '') => process.stdout.write(`${line}\n`);

async function startMercato(dataDir: string): Promise<{ server: ChildServer; base: string }> {
  const port = await freePort();
  // The flags and environment `npm start` sets (package.json); BENCH_NODE_ARGS: extra node flags (a later one wins); BENCH_CPU_PROF_DIR: a .cpuprofile of the server under load (see cpu-profile.preload.mjs).
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  if (PROFILE_DIR) nodeArgs.push('--import', PRELOAD);
  const server = ChildServer.start('mercato', [...NPM_START_NODE_FLAGS, ...nodeArgs, 'scripts/start.mjs'], ROOT, {
    ...cleanEnv(),
    NODE_ENV: 'development',
    ...NPM_START_ENV,
    // At the level `npm start` logs at (info: a line per request) unless BENCH_LOG_LEVEL says otherwise.
    ...(process.env.BENCH_LOG_LEVEL ? { LOG_LEVEL: process.env.BENCH_LOG_LEVEL } : {}),
    HOST: '127.0.0.1',
    PORT: String(port),
    DATA_DIR: dataDir,
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    ...(PROFILE_DIR ? { BENCH_CPU_PROF_DIR: PROFILE_DIR, BENCH_CPU_PROF_SIGNAL: '1', BENCH_CPU_PROF_NAME: 'all-in-one' } : {}),
  });
  return { server, base: `http://127.0.0.1:${port}` };
}

/** The server's CPU by kind of thread from now until the returned function is called. */
function threadMeter(pid: number): () => ThreadCpu {
  const before = procThreadCpuMs(pid);
  return () => threadCpuSince(before, procThreadCpuMs(pid));
}

function phaseReport(title: string, run: OrderRun, usage: ReturnType<ProcessMeter['stop']>, clientMs: number, threads: ThreadCpu, endedAt?: number): string[] {
  const perOrder = (ms: number) => fmt(ms / Math.max(1, run.confirmed), 2);
  return [
    '',
    `${title}  (load average ${loadLine()})`,
    tableHeader(),
    ...latencyRows('', run, endedAt),
    `  ${run.confirmed}/${run.intended} confirmed, ${fmt(ordersPerSec(run, endedAt))} orders/s, ${fmt(run.pollMs.length / Math.max(1, run.confirmed))} polls per order, failures ${run.failures.length}`,
    ...failureLines(run),
    ...cpuRows(usage, run.confirmed),
    `  server threads: event loop ${perOrder(threads.eventLoop)}, others (V8's compiler and GC jobs) ${perOrder(threads.others)} ms CPU per order`,
    `  load generator (this process): ${fmt(clientMs / Math.max(1, run.confirmed), 2)} ms CPU per order`,
  ];
}

async function main(): Promise<number> {
  const runId = Date.now().toString(36);
  const dataDir = mkdtempSync(join(tmpdir(), 'mercato-bench-'));
  process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  let mercato: ChildServer | undefined;
  let api: HttpClient | undefined;
  let ok = true;

  const watchdog = setTimeout(() => {
    process.stderr.write(`bench: aborted by the watchdog after ${WATCHDOG_S} s\n`);
    process.exit(1); // the 'exit' hook in bench.kit kills the children
  }, WATCHDOG_S * 1000);
  watchdog.unref();

  try {
    out(
      `Mercato all-in-one: closed loop ${CUSTOMERS} customers x ${ORDERS} orders; open loop ${RATE}/s for ${DURATION_S} s; idle ${IDLE_S} s; soak to ${SOAK} orders`,
    );
    out(machine());
    const busy = busyWarning();
    if (busy) out(busy);

    // ---- start
    const started = await startMercato(dataDir);
    mercato = started.server;
    const server = mercato;
    const readyMs = await mercato.waitReady(`${started.base}/health/ready`, START_TIMEOUT_MS, 10);
    out(`\nstart: /health/ready 200 ${fmt(readyMs, 0)} ms after spawn (pid ${mercato.pid}; target <= 2000 ms)`);
    api = new HttpClient(started.base, Math.max(CUSTOMERS + 4, Math.min(MAX_OUTSTANDING, 256)));
    const groups: MeteredGroup[] = [{ name: 'mercato (all-in-one)', pids: () => (server.pid ? [server.pid] : []), mercato: true }];

    // ---- set-up and warm-up
    const setupStart = performance.now();
    const openCount = Math.round(RATE * DURATION_S);
    const stock = CUSTOMERS * WARMUP + 2 * TOTAL + openCount + SOAK + 1_000;
    const { productId, customers } = await setUp(api, runId, ADMIN, CUSTOMERS, stock);
    out(`setup (token, product, stock, ${CUSTOMERS} sign-ups) in ${fmt(performance.now() - setupStart, 0)} ms`);
    const warmMs = await warmUp(api, customers, productId, POLL_MS, WARMUP);
    out(`warm-up (${CUSTOMERS * WARMUP} orders, untimed) in ${fmt(warmMs, 0)} ms`);
    let placed = CUSTOMERS * WARMUP;

    // ---- idle
    if (IDLE_S > 0) {
      await sleep(2_000);
      const meter = new ProcessMeter(groups, 1_000).start();
      await sleep(IDLE_S * 1000);
      out(`\nidle, no traffic for ${IDLE_S} s (target <= 1 % of a core per process):`);
      for (const l of idleRows(meter.stop())) out(l);
    }

    // ---- closed loop (the profile, if any, covers the closed and the open loop)
    const toggleProfile = () => PROFILE_DIR && server.pid && process.kill(server.pid, 'SIGUSR2');
    toggleProfile();
    let meter = new ProcessMeter(groups).start();
    let client = clientCpu();
    let threads = threadMeter(server.pid!);
    const closed = await closedLoop(api, customers, productId, ORDERS, POLL_MS, CLOSED_LIMIT_MS);
    const closedUsage = meter.stop();
    const closedThreads = threads();
    placed += closed.intended;
    for (const l of phaseReport(
      `closed loop: ${CUSTOMERS} customers x ${ORDERS} orders, poll every ${POLL_MS} ms, after ${placed - closed.intended} orders`,
      closed,
      closedUsage,
      client(),
      closedThreads,
    ))
      out(l);
    ok &&= closed.failures.length === 0;
    const closedCpuPerOrder = closedUsage.groups[0]!.cpuMs / Math.max(1, closed.confirmed);

    // ---- open loop
    if (RATE > 0) {
      meter = new ProcessMeter(groups).start();
      client = clientCpu();
      threads = threadMeter(server.pid!);
      const open = await openLoop(api, customers, productId, {
        ratePerSec: RATE,
        durationMs: DURATION_S * 1000,
        maxOutstanding: MAX_OUTSTANDING,
        drainMs: DRAIN_S * 1000,
        pollMs: POLL_MS,
      });
      const usage = meter.stop();
      const openThreads = threads();
      placed += open.intended - open.dropped;
      for (const l of phaseReport(
        `open loop: ${RATE} orders/s offered for ${DURATION_S} s (latency from the intended send time; at most ${MAX_OUTSTANDING} pending, drain ${DRAIN_S} s)`,
        open,
        usage,
        client(),
        openThreads,
        open.endedAt,
      ))
        out(l);
      out(`  dropped (too many pending) ${open.dropped}, unfinished after the drain ${open.unfinished}: both count as infinitely late in the percentiles`);
      out(
        `  targets: POST p99 <= 50 ms, POST -> confirmed p99 <= 100 ms: POST p99 ${fmt(summarize(open.postMs).p99)} ms, confirmed p99 ${fmt(summarize(open.confirmMs).p99)} ms`,
      );
      if (open.unfinished > 0) await sleep(3_000); // let abandoned orders settle before the next phase
    }
    toggleProfile();
    if (PROFILE_DIR)
      out(`\nCPU profile of the closed and open loops written to ${PROFILE_DIR} (npx tsx bench/cpuprofile-summary.ts ${PROFILE_DIR}/*.cpuprofile)`);

    // ---- after N orders
    if (SOAK > 0) {
      const need = SOAK - placed;
      if (need > 0) {
        const fillStart = performance.now();
        const filled = await fill(api, customers, productId, need, POLL_MS, FILL_LIMIT_S * 1000);
        placed += filled.placed;
        out(
          `\nfill: ${filled.placed} more orders (${filled.confirmed} confirmed) in ${fmt((performance.now() - fillStart) / 1000, 1)} s, ${placed} placed in all`,
        );
      }
      meter = new ProcessMeter(groups).start();
      client = clientCpu();
      threads = threadMeter(server.pid!);
      const late = await closedLoop(api, customers, productId, ORDERS, POLL_MS, CLOSED_LIMIT_MS);
      const lateUsage = meter.stop();
      const lateThreads = threads();
      for (const l of phaseReport(`closed loop again, after ${placed} orders`, late, lateUsage, client(), lateThreads)) out(l);
      const lateCpuPerOrder = lateUsage.groups[0]!.cpuMs / Math.max(1, late.confirmed);
      out(
        `  CPU per order after ${placed} orders / in the first closed loop (orders ${CUSTOMERS * WARMUP}-${CUSTOMERS * WARMUP + TOTAL}): ${fmt(lateCpuPerOrder, 2)} / ${fmt(closedCpuPerOrder, 2)} ms = ${fmt(lateCpuPerOrder / closedCpuPerOrder, 2)}x (target: <= 4 ms both)`,
      );
      placed += late.intended;
      ok &&= late.failures.length === 0;
    }

    const rss = mercato.pid ? procRss(mercato.pid) : undefined;
    out(`\nRSS now ${rss ? mib(rss.rss) : '-'}, lifetime peak (VmHWM) ${rss ? mib(rss.peak) : '-'} (target <= 250 MB under load)`);
    const serverLines = mercato.warningCount;
    const serverTail = mercato.warningTail(5);
    api.close();
    api = undefined;
    await mercato.stop(15_000);
    mercato = undefined;

    // ---- baseline
    const hello = await measureHello(ROOT, CUSTOMERS, TOTAL);
    const h = summarize(hello.ms);
    const post = summarize(closed.postMs);
    const confirm = summarize(closed.confirmMs);
    const rps = ordersPerSec(closed);
    out(`\nbaseline: bare koa GET / {ok:true}, ${CUSTOMERS} concurrent, median of 5 rounds of ${TOTAL} requests (load average ${loadLine()})`);
    out(tableHeader());
    out(row('hello koa GET /', h, fmt(hello.reqPerSec)));
    out(
      `  rounds ${hello.rates.map((r) => fmt(r, 0)).join(', ')} req/s; failures ${hello.failures}; server CPU ${fmt(hello.cpuMsPerRequest, 3)} ms per request`,
    );
    out('');
    out(`ratio  closed-loop orders/s / hello req/s     = ${fmt(rps / hello.reqPerSec, 4)}  (1 : ${fmt(hello.reqPerSec / rps, 0)})`);
    out(`ratio  CPU per order / hello CPU per request  = ${fmt(closedCpuPerOrder / hello.cpuMsPerRequest, 0)}x`);
    out(`ratio  POST p50 / hello p50                   = ${fmt(post.p50 / h.p50, 1)}x`);
    out(`ratio  POST -> confirmed p50 / hello p50      = ${fmt(confirm.p50 / h.p50, 1)}x`);
    out('');
    out(`server log lines at warn or above: ${serverLines}; load average at the end: ${loadLine()}`);
    if (serverLines > 0) out(serverTail.replace(/^/gm, '  | '));
    ok &&= hello.failures === 0;
    return ok ? 0 : 1;
  } catch (err) {
    // A connection error says little on its own; say so when the server is the one that went away.
    api?.close();
    const ended = mercato && (await mercato.waitExit(3_000)) ? mercato.exitDescription : undefined;
    if (ended && mercato) {
      const tail = mercato.tail();
      throw new Error(
        `${err instanceof Error ? err.message : String(err)} (the Mercato process ${ended} during the run${tail ? `; its last output:\n${tail}` : ''})`,
        { cause: err },
      );
    }
    throw err;
  } finally {
    clearTimeout(watchdog);
    api?.close();
    if (mercato) await mercato.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    process.stderr.write(`bench: ${signal}, stopping\n`);
    process.exit(130); // the 'exit' hook in bench.kit kills the children
  });
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
