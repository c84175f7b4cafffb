/**
 * Order throughput of the all-in-one Mercato process, against a bare koa baseline.
 *
 *   npm run bench                                  # 20 customers x 10 orders
 *   npm run bench -- --customers 40 --orders 5     # or BENCH_CUSTOMERS / BENCH_ORDERS / BENCH_POLL_MS
 *   BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" npm run bench   # profile the Mercato process
 *
 * 1. Starts `node --import tsx src/runtimes/main.ts` (every module, SQLite files in a fresh temp
 *    dir, in-memory bus) on a free port of 127.0.0.1 and waits for /health/ready.
 * 2. Over HTTP only: admin token, one product, waits until inventory knows it, restocks it,
 *    signs up N customers and gets their tokens; then one untimed warm-up order per customer.
 * 3. Measures: the N customers run concurrently; each places M orders one after the other, and
 *    after each POST polls GET /api/v1/orders/:id until the order is confirmed. Concurrency is
 *    therefore N orders in flight.
 * 4. Stops Mercato, starts bench/hello.server.ts (koa returning {ok:true}) and hits it with the
 *    same concurrency and the same number of requests, after an untimed warm-up of that size;
 *    this is repeated HELLO_ROUNDS times and the median round is reported.
 *
 * Both servers are child processes and both are driven by the same node:http keep-alive client,
 * so the client's cost is the same on both sides. Everything is bounded: the whole run aborts
 * (children killed, exit 1) after WATCHDOG_MS.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { arch, cpus, loadavg, platform, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { ChildServer, HttpClient, expectStatus, freePort, pool, sleep, summarize, type Summary } from './bench.kit.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WATCHDOG_MS = 115_000;
const START_TIMEOUT_MS = 30_000;
const MEASURE_TIMEOUT_MS = 45_000;
const ORDER_TIMEOUT_MS = 20_000;
const HELLO_ROUNDS = 5;
const ADMIN = { email: 'bench-admin@bench.local', password: 'bench-admin-password' };
const CUSTOMER_PASSWORD = 'bench-customer-password';

// ---------------------------------------------------------------- options

function option(flag: string, envName: string, fallback: number, min: number, max: number): number {
  const argv = process.argv.slice(2);
  let raw: string | undefined = process.env[envName];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === `--${flag}`) raw = argv[i + 1];
    else if (arg.startsWith(`--${flag}=`)) raw = arg.slice(flag.length + 3);
  }
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`--${flag} / ${envName} must be an integer in [${min}, ${max}], got "${raw}"`);
  }
  return value;
}

const CUSTOMERS = option('customers', 'BENCH_CUSTOMERS', 20, 1, 200);
const ORDERS = option('orders', 'BENCH_ORDERS', 10, 1, 100);
const POLL_MS = option('poll-ms', 'BENCH_POLL_MS', 20, 1, 1_000);
const TOTAL = CUSTOMERS * ORDERS;
if (TOTAL > 5_000) throw new Error(`customers x orders must be at most 5000 (got ${TOTAL})`);

// ---------------------------------------------------------------- types

interface Token {
  access_token: string;
}
interface OrderBody {
  id: string;
  status: 'pending' | 'confirmed' | 'cancelled';
  cancelReason?: string;
}
interface Customer {
  email: string;
  auth: Record<string, string>;
}
interface OrderRun {
  postMs: number[];
  confirmMs: number[];
  pollMs: number[];
  failures: string[];
  firstPostAt: number;
  lastConfirmedAt: number;
}
interface HelloRun {
  ms: number[];
  elapsedMs: number;
  failures: number;
}

// ---------------------------------------------------------------- Mercato

/** The parent's environment without anything that would point Mercato somewhere else. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of Object.keys(env)) {
    if (/^(NODE_ENV|MODULES|HOST|PORT|DATA_DIR|CONFIG_DIR|DATABASE_URL|EVENT_BUS|KAFKA_|LOG_|AUTH_|ADMIN_|SMTP_URL|SERVICE_URLS_)/.test(name)) {
      delete env[name];
    }
  }
  return env;
}

async function startMercato(dataDir: string): Promise<{ server: ChildServer; base: string }> {
  const port = await freePort();
  // e.g. BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the server.
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const server = ChildServer.start('mercato', [...nodeArgs, '--import', 'tsx', 'src/runtimes/main.ts'], ROOT, {
    ...cleanEnv(),
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATA_DIR: dataDir,
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
  });
  return { server, base: `http://127.0.0.1:${port}` };
}

async function token(api: HttpClient, email: string, password: string): Promise<Record<string, string>> {
  const res = expectStatus(await api.post<Token>('/api/v1/auth/token', { email, password }), 200, `token for ${email}`);
  return { authorization: `Bearer ${res.body.access_token}` };
}

/** Retries `attempt` until it returns a value or `timeoutMs` passes. */
async function eventually<T>(what: string, timeoutMs: number, attempt: () => Promise<T | undefined>): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const value = await attempt();
    if (value !== undefined) return value;
    await sleep(50);
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
}

async function setUp(api: HttpClient, runId: string): Promise<{ productId: string; customers: Customer[] }> {
  const admin = await token(api, ADMIN.email, ADMIN.password);
  const sku = `BENCH-${runId}`.toUpperCase();
  const created = await api.post<{ id: string }>(
    '/api/v1/products',
    { sku, name: 'Bench widget', price: { amount: 1000, currency: 'EUR' } },
    { headers: admin },
  );
  const productId = expectStatus(created, 201, 'create product').body.id;

  // Inventory learns about the product from catalog's event; 404 until then.
  await eventually(`inventory record for ${sku}`, 10_000, async () => {
    const res = await api.get(`/api/v1/inventory/${sku}`, { headers: admin });
    return res.status === 200 ? true : res.status === 404 ? undefined : expectStatus(res, 200, 'inventory').body;
  });
  const stock = TOTAL + CUSTOMERS + 100; // measured + warm-up orders, with room to spare
  expectStatus(await api.post(`/api/v1/inventory/${sku}/restock`, { quantity: stock }, { headers: admin }), 200, 'restock');

  const customers: Customer[] = [];
  await pool(CUSTOMERS, CUSTOMERS, async (i) => {
    const email = `bench-${runId}-${i}@bench.local`;
    expectStatus(await api.post('/api/v1/users', { email, password: CUSTOMER_PASSWORD, name: `Bench customer ${i}` }), 201, `sign up ${email}`);
    customers[i] = { email, auth: await token(api, email, CUSTOMER_PASSWORD) };
  });
  return { productId, customers };
}

/** POST one order and poll it until it leaves `pending`. Times are performance.now() values. */
async function placeAndAwait(
  api: HttpClient,
  customer: Customer,
  productId: string,
): Promise<{ sentAt: number; post: number; settledAt: number; status: string; reason?: string; polls: number[] }> {
  const body = { items: [{ productId, quantity: 1 }], paymentMethod: 'pm_card_visa' };
  const sentAt = performance.now();
  const placed = await api.post<OrderBody>('/api/v1/orders', body, { headers: customer.auth });
  if (placed.status !== 202) {
    return { sentAt, post: placed.ms, settledAt: performance.now(), status: `HTTP ${placed.status}`, reason: JSON.stringify(placed.body).slice(0, 200), polls: [] };
  }
  const polls: number[] = [];
  let order = placed.body;
  const deadline = sentAt + ORDER_TIMEOUT_MS;
  while (order.status === 'pending') {
    if (performance.now() > deadline) return { sentAt, post: placed.ms, settledAt: performance.now(), status: 'timeout', polls };
    await sleep(POLL_MS);
    const res = expectStatus(await api.get<OrderBody>(`/api/v1/orders/${order.id}`, { headers: customer.auth }), 200, `GET order ${order.id}`);
    polls.push(res.ms);
    order = res.body;
  }
  return { sentAt, post: placed.ms, settledAt: performance.now(), status: order.status, reason: order.cancelReason, polls };
}

async function warmUp(api: HttpClient, customers: Customer[], productId: string): Promise<number> {
  const started = performance.now();
  await pool(customers.length, customers.length, async (i) => {
    // The order module may not have the product's price yet (it arrives by event): 422 until then.
    await eventually('warm-up order', 10_000, async () => {
      const r = await placeAndAwait(api, customers[i]!, productId);
      if (r.status === 'confirmed') return true;
      if (r.status === 'HTTP 422') return undefined;
      throw new Error(`warm-up order ended ${r.status}${r.reason ? ` (${r.reason})` : ''}`);
    });
  });
  return performance.now() - started;
}

async function measureOrders(api: HttpClient, customers: Customer[], productId: string): Promise<OrderRun> {
  const run: OrderRun = { postMs: [], confirmMs: [], pollMs: [], failures: [], firstPostAt: Infinity, lastConfirmedAt: 0 };
  const deadline = performance.now() + MEASURE_TIMEOUT_MS;
  await Promise.all(
    customers.map(async (customer) => {
      for (let j = 0; j < ORDERS; j++) {
        if (performance.now() > deadline) {
          run.failures.push('not placed: measurement time limit reached');
          continue;
        }
        const r = await placeAndAwait(api, customer, productId);
        run.firstPostAt = Math.min(run.firstPostAt, r.sentAt);
        run.postMs.push(r.post);
        run.pollMs.push(...r.polls);
        if (r.status === 'confirmed') {
          run.confirmMs.push(r.settledAt - r.sentAt);
          run.lastConfirmedAt = Math.max(run.lastConfirmedAt, r.settledAt);
        } else {
          run.failures.push(`${r.status}${r.reason ? ` (${r.reason})` : ''}`);
        }
      }
    }),
  );
  return run;
}

// ---------------------------------------------------------------- baseline

/**
 * The baseline is so fast that one run of TOTAL requests lasts a few tens of ms, which a busy
 * machine easily skews; so it is run HELLO_ROUNDS times (each the same size and concurrency as the
 * Mercato run) and the median round by rate is reported.
 */
async function measureHello(): Promise<{ run: HelloRun; rates: number[]; failures: number; cpuMsPerRequest: number }> {
  const port = await freePort();
  const server = ChildServer.start('hello', ['--import', 'tsx', 'bench/hello.server.ts'], ROOT, { ...cleanEnv(), PORT: String(port) });
  const client = new HttpClient(`http://127.0.0.1:${port}`, CUSTOMERS);
  try {
    await server.waitReady(`http://127.0.0.1:${port}/`, START_TIMEOUT_MS);
    const hit = async (into?: HelloRun) => {
      await pool(TOTAL, CUSTOMERS, async () => {
        const res = await client.get('/');
        if (!into) return;
        if (res.status === 200) into.ms.push(res.ms);
        else into.failures++;
      });
    };
    await hit(); // warm-up, same size as a measured round
    const runs: HelloRun[] = [];
    const cpuBefore = server.cpuMs();
    for (let round = 0; round < HELLO_ROUNDS; round++) {
      const run: HelloRun = { ms: [], elapsedMs: 0, failures: 0 };
      const started = performance.now();
      await hit(run);
      run.elapsedMs = performance.now() - started;
      runs.push(run);
    }
    const cpuAfter = server.cpuMs();
    const rate = (r: HelloRun) => (r.ms.length / r.elapsedMs) * 1000;
    const byRate = [...runs].sort((a, b) => rate(a) - rate(b));
    const cpuMs = cpuBefore !== undefined && cpuAfter !== undefined ? cpuAfter - cpuBefore : NaN;
    return {
      run: byRate[Math.floor(byRate.length / 2)]!,
      rates: runs.map(rate),
      failures: runs.reduce((n, r) => n + r.failures, 0),
      cpuMsPerRequest: cpuMs / (TOTAL * HELLO_ROUNDS),
    };
  } finally {
    client.close();
    await server.stop();
  }
}

// ---------------------------------------------------------------- report

const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '-');

function row(label: string, count: number, rate: string, s: Summary): string {
  return [
    label.padEnd(38),
    String(count).padStart(6),
    rate.padStart(10),
    fmt(s.p50).padStart(9),
    fmt(s.p95).padStart(9),
    fmt(s.p99).padStart(9),
    fmt(s.max).padStart(9),
  ].join(' ');
}

function machine(): string {
  const cpu = cpus();
  return [
    `machine: ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM`,
    `         Node ${process.version}, ${platform()} ${arch()}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
  ].join('\n');
}

// ---------------------------------------------------------------- main

async function main(): Promise<number> {
  const runId = Date.now().toString(36);
  const dataDir = mkdtempSync(join(tmpdir(), 'mercato-bench-'));
  process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  let mercato: ChildServer | undefined;
  let api: HttpClient | undefined;

  const watchdog = setTimeout(() => {
    process.stderr.write(`bench: aborted after ${WATCHDOG_MS / 1000} s\n`);
    process.exit(1); // the 'exit' hook in bench.kit kills the children
  }, WATCHDOG_MS);
  watchdog.unref();

  try {
    process.stdout.write(`Mercato order throughput: ${CUSTOMERS} customers x ${ORDERS} orders = ${TOTAL} orders, poll every ${POLL_MS} ms\n`);
    process.stdout.write(`${machine()}\n`);
    if (loadavg()[0]! > cpus().length / 2) {
      process.stdout.write(`warning: the machine is busy (1-min load ${loadavg()[0]!.toFixed(2)} on ${cpus().length} cores); figures will be low and noisy\n`);
    }
    process.stdout.write('\n');

    const started = await startMercato(dataDir);
    mercato = started.server;
    const readyMs = await mercato.waitReady(`${started.base}/health/ready`, START_TIMEOUT_MS);
    // One socket per customer for its sequential requests, plus a few for setup.
    api = new HttpClient(started.base, CUSTOMERS + 4);
    process.stdout.write(`mercato ready in ${fmt(readyMs, 0)} ms (pid ${mercato.pid}, data ${dataDir})\n`);

    const setupStart = performance.now();
    const { productId, customers } = await setUp(api, runId);
    process.stdout.write(`setup (token, product, stock, ${CUSTOMERS} sign-ups) in ${fmt(performance.now() - setupStart, 0)} ms\n`);
    const warmMs = await warmUp(api, customers, productId);
    process.stdout.write(`warm-up (${CUSTOMERS} orders, untimed) in ${fmt(warmMs, 0)} ms\n`);

    const cpuBefore = mercato.cpuMs();
    const orders = await measureOrders(api, customers, productId);
    const cpuAfter = mercato.cpuMs();
    const mercatoCpuMs = cpuBefore !== undefined && cpuAfter !== undefined ? cpuAfter - cpuBefore : NaN;
    const serverLines = mercato.lineCount;
    const serverTail = mercato.tail(5);
    api.close();
    api = undefined;
    await mercato.stop();
    mercato = undefined;

    const baseline = await measureHello();
    const hello = baseline.run;

    // ---- report
    const confirmed = orders.confirmMs.length;
    const windowMs = orders.lastConfirmedAt - orders.firstPostAt;
    const ordersPerSec = confirmed > 0 ? (confirmed / windowMs) * 1000 : 0;
    const mercatoReqPerSec = ((orders.postMs.length + orders.pollMs.length) / windowMs) * 1000;
    const helloPerSec = (hello.ms.length / hello.elapsedMs) * 1000;
    const confirm = summarize(orders.confirmMs);
    const post = summarize(orders.postMs);
    const poll = summarize(orders.pollMs);
    const h = summarize(hello.ms);

    const header = ['', 'count', 'per s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'];
    const widths = [38, 6, 10, 9, 9, 9, 9];
    const out = [
      '',
      `concurrency ${CUSTOMERS} (one order or request in flight per customer), ${TOTAL} orders / requests per side`,
      '',
      header.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' '),
      '-'.repeat(widths.reduce((a, b) => a + b + 1, -1)),
      row('Mercato order, POST -> confirmed', confirmed, `${fmt(ordersPerSec)}`, confirm),
      row('Mercato POST /api/v1/orders (202)', post.count, '', post),
      row('Mercato GET /api/v1/orders/:id (poll)', poll.count, '', poll),
      row('Mercato all HTTP (POST + polls)', post.count + poll.count, fmt(mercatoReqPerSec), summarize([...orders.postMs, ...orders.pollMs])),
      row('hello koa GET / {ok:true}', h.count, fmt(helloPerSec), h),
      '',
      `Mercato: ${confirmed}/${TOTAL} confirmed in ${fmt(windowMs / 1000, 2)} s (first POST -> last confirmed), ` +
        `${fmt(poll.count / Math.max(1, confirmed))} polls per order; failures: ${orders.failures.length}`,
      `hello:   median of ${HELLO_ROUNDS} rounds of ${TOTAL} requests: ${h.count}/${TOTAL} ok in ${fmt(hello.elapsedMs / 1000, 3)} s; ` +
        `failures (all rounds): ${baseline.failures}; round rates ${baseline.rates.map((r) => fmt(r, 0)).join(', ')} req/s`,
      `server CPU (user+sys, from /proc): Mercato ${fmt(mercatoCpuMs / Math.max(1, confirmed))} ms per confirmed order ` +
        `(${fmt(mercatoCpuMs / 1000, 2)} s over ${fmt(windowMs / 1000, 2)} s); hello ${fmt(baseline.cpuMsPerRequest, 3)} ms per request`,
      '',
      `ratio  Mercato orders/s / hello req/s  = ${fmt(ordersPerSec / helloPerSec, 4)}  (1 : ${fmt(helloPerSec / ordersPerSec, 0)})`,
      `ratio  Mercato POST p50 / hello p50    = ${fmt(post.p50 / h.p50, 1)}x`,
      `ratio  Mercato confirm p50 / hello p50 = ${fmt(confirm.p50 / h.p50, 1)}x`,
      '',
      `server log lines at warn or above during the run: ${serverLines}; load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
    ];
    if (serverLines > 0) out.push(serverTail.replace(/^/gm, '  | '));
    if (orders.failures.length > 0) {
      const counts = new Map<string, number>();
      for (const f of orders.failures) counts.set(f, (counts.get(f) ?? 0) + 1);
      out.push('order failures:', ...[...counts].map(([f, n]) => `  ${n} x ${f}`));
    }
    process.stdout.write(`${out.join('\n')}\n`);
    return orders.failures.length === 0 && baseline.failures === 0 ? 0 : 1;
  } catch (err) {
    // A connection error says little on its own; say so when the server is the one that went away.
    api?.close(); // a shutting-down server waits for keep-alive sockets to go
    const ended = mercato && (await mercato.waitExit(3_000)) ? mercato.exitDescription : undefined;
    if (ended && mercato) {
      const tail = mercato.tail();
      const output = tail ? `; its last output:\n${tail}` : ', with no output at warn level or above';
      throw new Error(`${err instanceof Error ? err.message : String(err)} (the Mercato process ${ended} during the run${output})`, { cause: err });
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
