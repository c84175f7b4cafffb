/**
 * `npm run bench:tracing`: what tracing costs the all-in-one process, in server CPU per order
 * (from /proc), with three builds run in the same invocation, interleaved round after round so that
 * the machine's noise falls on all of them alike:
 *
 *   baseline  the code before tracing (`--baseline-ref`, default: the merge base with `main`),
 *             unpacked with `git archive` into a temp dir (node_modules linked from here)
 *   off       this code, no OTEL_* variables (tracing off, the default)
 *   otlp      this code, OTEL_TRACES_EXPORTER=otlp over http/protobuf to a receiver in this process
 *             (it answers 200 and counts bytes, as a collector would)
 *
 *   npm run bench:tracing -- --rounds 3 --customers 20 --orders 10
 *
 * Each run: a fresh data dir, start, set-up, warm-up, then a closed loop whose server CPU is
 * divided by the confirmed orders. Reported: the median per build and its overhead against baseline.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ChildServer, HttpClient, ProcessMeter, cleanEnv, freePort, intOption } from './bench.kit.js';
import { closedLoop, fmt, loadLine, machine, setUp, warmUp } from './order-load.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ADMIN = { email: 'bench-admin@bench.local', password: 'bench-admin-password' };
const ROUNDS = intOption('rounds', 'BENCH_ROUNDS', 3, 1, 20);
const CUSTOMERS = intOption('customers', 'BENCH_CUSTOMERS', 20, 1, 200);
const ORDERS = intOption('orders', 'BENCH_ORDERS', 10, 1, 100);
const WARMUP = intOption('warmup', 'BENCH_WARMUP', 5, 1, 50);
const POLL_MS = intOption('poll-ms', 'BENCH_POLL_MS', 20, 1, 1_000);
const refFlag = process.argv.indexOf('--baseline-ref');
const BASELINE_REF = refFlag > 0 ? process.argv[refFlag + 1]! : execFileSync('git', ['merge-base', 'HEAD', 'main'], { cwd: ROOT, encoding: 'utf8' }).trim();

const buildsFlag = process.argv.indexOf('--builds');
/** `--builds off,otlp`: a subset (the overhead is then against the first one given). */
const BUILDS = buildsFlag > 0 ? process.argv[buildsFlag + 1]!.split(',') : ['baseline', 'off', 'otlp'];

const out = (line = '') => process.stdout.write(`${line}\n`);

/** A collector stand-in: takes every export, answers 200. */
async function otlpSink(): Promise<{ url: string; bytes: () => number; requests: () => number; close: () => void }> {
  let bytes = 0;
  let requests = 0;
  const server = createServer((req, res) => {
    req.on('data', (c: Buffer) => (bytes += c.length));
    req.on('end', () => {
      requests += 1;
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, bytes: () => bytes, requests: () => requests, close: () => server.close() };
}

interface Build {
  name: 'baseline' | 'off' | 'otlp';
  root: string;
  env: Record<string, string>;
}

async function run(build: Build, round: number): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), `mercato-bench-tracing-${build.name}-`));
  const port = await freePort();
  // Only the build's own OTEL_* settings: the baseline and `off` must not trace because the shell does.
  const env = Object.fromEntries(Object.entries(cleanEnv()).filter(([name]) => !name.startsWith('OTEL_')));
  const server = ChildServer.start(build.name, ['--import', 'tsx', 'src/runtimes/main.ts'], build.root, {
    ...env,
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATA_DIR: dataDir,
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    ...build.env,
  });
  const base = `http://127.0.0.1:${port}`;
  const api = new HttpClient(base, CUSTOMERS + 4);
  try {
    await server.waitReady(`${base}/health/ready`, 180_000, 50);
    const { productId, customers } = await setUp(api, `${build.name}${round}${Date.now().toString(36)}`, ADMIN, CUSTOMERS, CUSTOMERS * (WARMUP + ORDERS) + 100);
    // A loaded machine can make a first order miss its 20 s: the warm-up is not measured, so go on.
    await warmUp(api, customers, productId, POLL_MS, WARMUP).catch((err: unknown) =>
      out(`  ${build.name}: warm-up incomplete: ${(err as Error).message.split('\n')[0]}`),
    );
    const meter = new ProcessMeter([{ name: build.name, pids: () => (server.pid ? [server.pid] : []), mercato: true }]).start();
    const loop = await closedLoop(api, customers, productId, ORDERS, POLL_MS, 90_000);
    const usage = meter.stop();
    if (loop.failures.length > 0) out(`  ${build.name}: ${loop.failures.length} of ${loop.intended} orders failed: ${[...new Set(loop.failures)].join('; ')}`);
    return usage.groups[0]!.cpuMs / Math.max(1, loop.confirmed);
  } finally {
    api.close();
    await server.stop(15_000);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const sink = await otlpSink();
  const baselineRoot = mkdtempSync(join(tmpdir(), 'mercato-bench-baseline-'));
  try {
    execFileSync('bash', ['-c', `git archive ${BASELINE_REF} | tar -x -C ${baselineRoot}`], { cwd: ROOT });
    symlinkSync(join(ROOT, 'node_modules'), join(baselineRoot, 'node_modules'));
    const builds = (
      [
        { name: 'baseline', root: baselineRoot, env: {} },
        { name: 'off', root: ROOT, env: {} },
        {
          name: 'otlp',
          root: ROOT,
          env: { OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf', OTEL_EXPORTER_OTLP_ENDPOINT: sink.url },
        },
      ] satisfies Build[]
    ).filter((b) => BUILDS.includes(b.name)) as Build[];
    out(
      `Tracing overhead, all-in-one: ${ROUNDS} rounds x (baseline ${BASELINE_REF.slice(0, 10)}, off, otlp); closed loop ${CUSTOMERS} customers x ${ORDERS} orders after ${WARMUP} each to warm up`,
    );
    out(machine());
    const cpu: Record<Build['name'], number[]> = { baseline: [], off: [], otlp: [] };
    for (let round = 1; round <= ROUNDS; round++) {
      // Rotated each round, so no build always runs first (or right after another).
      const order = builds.map((_, i) => builds[(i + round - 1) % builds.length]!);
      for (const build of order) {
        const perOrder = await run(build, round);
        cpu[build.name].push(perOrder);
        out(`  round ${round} ${build.name.padEnd(8)} ${fmt(perOrder, 2)} ms CPU per order   (load average ${loadLine()})`);
      }
    }
    const reference = builds[0]!.name;
    const base = median(cpu[reference]);
    out('');
    out(`build      median ms CPU/order   vs ${reference}`);
    for (const { name } of builds) {
      const m = median(cpu[name]);
      out(
        `${name.padEnd(10)} ${fmt(m, 2).padStart(10)}            ${name === reference ? '' : `${m >= base ? '+' : ''}${fmt(((m - base) / base) * 100, 1)} %`}`,
      );
    }
    out(`OTLP receiver: ${sink.requests()} exports, ${fmt(sink.bytes() / 2 ** 20, 2)} MiB`);
    out('targets: off <= +2 %, otlp <= +15 %');
  } finally {
    sink.close();
    rmSync(baselineRoot, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
