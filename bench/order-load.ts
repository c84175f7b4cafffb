/**
 * The shop's clients, as the benches drive them over HTTP: set-up (admin token, one product, stock,
 * customers), warm-up, a closed loop (N customers placing orders one after the other), an open
 * loop (orders sent at a fixed rate, whatever the server does) and the report helpers both benches
 * print with. Used by order-throughput.bench.ts (all-in-one) and split.bench.ts (five processes).
 */
import { arch, cpus, loadavg, platform, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { type HttpClient, expectStatus, pool, sleep, summarize, type GroupUsage, type Summary } from './bench.kit.js';

export const CUSTOMER_PASSWORD = 'bench-customer-password';
/** An order still pending after this long counts as a failure. */
export const ORDER_TIMEOUT_MS = 20_000;

export interface OrderBody {
  id: string;
  status: 'pending' | 'confirmed' | 'cancelled';
  cancelReason?: string;
  /** Server time of the last change: for a confirmed order, when it was confirmed. */
  updatedAt?: string;
}
export interface Customer {
  email: string;
  auth: Record<string, string>;
}

/** performance.now() → epoch ms, to compare with the server's timestamps (same machine, same clock). */
const epoch = (t: number) => performance.timeOrigin + t;

export async function token(api: HttpClient, email: string, password: string): Promise<Record<string, string>> {
  const res = await api.post<{ access_token: string }>('/api/v1/auth/token', { email, password });
  return { authorization: `Bearer ${expectStatus(res, 200, `token for ${email}`).body.access_token}` };
}

/** Calls `attempt` until it returns a value or `timeoutMs` passes. */
export async function eventually<T>(what: string, timeoutMs: number, attempt: () => Promise<T | undefined>, everyMs = 50): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let last: unknown;
  while (performance.now() < deadline) {
    try {
      const value = await attempt();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await sleep(everyMs);
  }
  throw new Error(`${what}: not within ${timeoutMs} ms${last ? ` (last error: ${(last as Error).message})` : ''}`);
}

/** Admin token, one product, its stock once inventory knows it, and `customers` signed-up customers. */
export async function setUp(
  api: HttpClient,
  runId: string,
  admin: { email: string; password: string },
  customerCount: number,
  stock: number,
): Promise<{ productId: string; customers: Customer[]; adminAuth: Record<string, string> }> {
  const adminAuth = await token(api, admin.email, admin.password);
  const sku = `BENCH-${runId}`.toUpperCase();
  const created = await api.post<{ id: string }>(
    '/api/v1/products',
    { sku, name: 'Bench widget', price: { amount: 1000, currency: 'EUR' } },
    { headers: adminAuth },
  );
  const productId = expectStatus(created, 201, 'create product').body.id;

  // Inventory learns about the product from catalog's event; 404 until then.
  await eventually(`inventory record for ${sku}`, 20_000, async () => {
    const res = await api.get(`/api/v1/inventory/${sku}`, { headers: adminAuth });
    return res.status === 200 ? true : res.status === 404 ? undefined : expectStatus(res, 200, 'inventory').body;
  });
  expectStatus(await api.post(`/api/v1/inventory/${sku}/restock`, { quantity: stock }, { headers: adminAuth }), 200, 'restock');

  const customers: Customer[] = [];
  await pool(customerCount, Math.min(customerCount, 10), async (i) => {
    const email = `bench-${runId}-${i}@bench.local`;
    expectStatus(await api.post('/api/v1/users', { email, password: CUSTOMER_PASSWORD, name: `Bench customer ${i}` }), 201, `sign up ${email}`);
    customers[i] = { email, auth: await token(api, email, CUSTOMER_PASSWORD) };
  });
  return { productId, customers, adminAuth };
}

export interface PlacedOrder {
  /** performance.now() at which the order was meant to be sent (closed loop: when it was sent). */
  intendedAt: number;
  /** POST latency from the intended send time, ms. */
  postMs: number;
  /** Intended send time → the server's confirmation time (order.updatedAt), ms; NaN unless confirmed. */
  confirmMs: number;
  /** Intended send time → the poll response that said confirmed, ms; NaN unless confirmed. */
  observedMs: number;
  /** performance.now() of that poll response. */
  settledAt: number;
  status: string;
  reason?: string;
  polls: number[];
}

export interface PollPolicy {
  /** First poll after this long, and never more often. */
  pollMs: number;
  /** Open loop: poll less often the longer an order takes (up to 1 s), so a backlog of pending orders does not drown the server in polls. */
  backoff: boolean;
  /** Checked before each poll; true stops polling (the run was abandoned). */
  abandoned?: () => boolean;
}

/** POST one order and poll it until it leaves `pending`. */
export async function placeAndAwait(
  api: HttpClient,
  customer: Customer,
  productId: string,
  policy: PollPolicy,
  intendedAt = performance.now(),
): Promise<PlacedOrder> {
  const body = { items: [{ productId, quantity: 1 }], paymentMethod: 'pm_card_visa' };
  const placed = await api.post<OrderBody>('/api/v1/orders', body, { headers: customer.auth, timeoutMs: ORDER_TIMEOUT_MS });
  const postMs = performance.now() - intendedAt;
  const result = (status: string, order?: OrderBody, polls: number[] = []): PlacedOrder => {
    const settledAt = performance.now();
    const confirmed = status === 'confirmed';
    const stamped = order?.updatedAt ? Date.parse(order.updatedAt) - epoch(intendedAt) : NaN;
    return {
      intendedAt,
      postMs,
      confirmMs: confirmed ? Math.max(0, Number.isFinite(stamped) ? stamped : settledAt - intendedAt) : NaN,
      observedMs: confirmed ? settledAt - intendedAt : NaN,
      settledAt,
      status,
      reason: order?.cancelReason,
      polls,
    };
  };
  if (placed.status !== 202) return { ...result(`HTTP ${placed.status}`), reason: JSON.stringify(placed.body).slice(0, 200) };
  const polls: number[] = [];
  let order = placed.body;
  const deadline = intendedAt + ORDER_TIMEOUT_MS;
  while (order.status === 'pending') {
    if (performance.now() > deadline) return result('timeout', undefined, polls);
    const age = performance.now() - intendedAt;
    await sleep(policy.backoff ? Math.min(1_000, Math.max(policy.pollMs, age / 2)) : policy.pollMs);
    if (policy.abandoned?.()) return result('abandoned', undefined, polls);
    const res = expectStatus(
      await api.get<OrderBody>(`/api/v1/orders/${order.id}`, { headers: customer.auth, timeoutMs: ORDER_TIMEOUT_MS }),
      200,
      `GET order ${order.id}`,
    );
    polls.push(res.ms);
    order = res.body;
  }
  return result(order.status, order, polls);
}

/**
 * Untimed orders, `perCustomer` per customer, so that the measured phases do not pay for the JIT
 * compiling the hot paths; the first also waits until the order module knows the product's price
 * (it arrives by event: 422 until then).
 */
export async function warmUp(api: HttpClient, customers: Customer[], productId: string, pollMs: number, perCustomer = 1): Promise<number> {
  const started = performance.now();
  await pool(customers.length, customers.length, async (i) => {
    for (let j = 0; j < perCustomer; j++) {
      await eventually('warm-up order', 20_000, async () => {
        const r = await placeAndAwait(api, customers[i]!, productId, { pollMs, backoff: false });
        if (r.status === 'confirmed') return true;
        if (r.status === 'HTTP 422') return undefined;
        throw new Error(`warm-up order ended ${r.status}${r.reason ? ` (${r.reason})` : ''}`);
      });
    }
  });
  return performance.now() - started;
}

export interface OrderRun {
  /** POST latencies (closed loop: from sending; open loop: from the intended send time). */
  postMs: number[];
  /** POST → confirmed, by the server's confirmation stamp; in the open loop every order not confirmed (dropped, failed, unfinished) counts as +Infinity. */
  confirmMs: number[];
  /** POST → the poll that saw `confirmed`. */
  observedMs: number[];
  pollMs: number[];
  failures: string[];
  confirmed: number;
  /** Orders the run meant to place (closed loop: N×M; open loop: rate × duration). */
  intended: number;
  firstPostAt: number;
  lastConfirmedAt: number;
}

function emptyRun(intended: number): OrderRun {
  return { postMs: [], confirmMs: [], observedMs: [], pollMs: [], failures: [], confirmed: 0, intended, firstPostAt: Infinity, lastConfirmedAt: 0 };
}

function record(run: OrderRun, r: PlacedOrder): void {
  run.firstPostAt = Math.min(run.firstPostAt, r.intendedAt);
  run.postMs.push(r.postMs);
  run.pollMs.push(...r.polls);
  if (r.status === 'confirmed') {
    run.confirmed++;
    run.confirmMs.push(r.confirmMs);
    run.observedMs.push(r.observedMs);
    run.lastConfirmedAt = Math.max(run.lastConfirmedAt, r.settledAt);
  } else {
    run.failures.push(`${r.status}${r.reason ? ` (${r.reason})` : ''}`);
  }
}

/** Closed loop: every customer places `ordersEach` orders one after the other (N in flight). Stops placing at `timeLimitMs`. */
export async function closedLoop(
  api: HttpClient,
  customers: Customer[],
  productId: string,
  ordersEach: number,
  pollMs: number,
  timeLimitMs: number,
): Promise<OrderRun> {
  const run = emptyRun(customers.length * ordersEach);
  const deadline = performance.now() + timeLimitMs;
  await Promise.all(
    customers.map(async (customer) => {
      for (let j = 0; j < ordersEach; j++) {
        if (performance.now() > deadline) {
          run.failures.push('not placed: time limit of the phase reached');
          continue;
        }
        try {
          record(run, await placeAndAwait(api, customer, productId, { pollMs, backoff: false }));
        } catch (err) {
          // A request that failed (e.g. timed out) is a failed order; the customer goes on.
          run.failures.push(`error: ${(err as Error).message.slice(0, 120)}`);
        }
      }
    }),
  );
  return run;
}

/** Closed loop until `count` orders have been placed (or `timeLimitMs` passed): to grow the tables before a later measurement. */
export async function fill(
  api: HttpClient,
  customers: Customer[],
  productId: string,
  count: number,
  pollMs: number,
  timeLimitMs: number,
): Promise<{ placed: number; confirmed: number }> {
  const deadline = performance.now() + timeLimitMs;
  let placed = 0;
  let confirmed = 0;
  await Promise.all(
    customers.map(async (customer) => {
      while (placed < count && performance.now() < deadline) {
        placed++;
        const r = await placeAndAwait(api, customer, productId, { pollMs, backoff: false }).catch(() => undefined);
        if (r?.status === 'confirmed') confirmed++;
      }
    }),
  );
  return { placed, confirmed };
}

export interface OpenLoopOptions {
  ratePerSec: number;
  durationMs: number;
  /** Orders not yet settled above which the next scheduled order is not sent (counted as dropped). */
  maxOutstanding: number;
  /** How long after the last scheduled send the run waits for orders still pending. */
  drainMs: number;
  pollMs: number;
}

export interface OpenRun extends OrderRun {
  /** Not sent because maxOutstanding orders were pending at their intended send time. */
  dropped: number;
  /** Sent but still pending (or not answered) when the drain time was over. */
  unfinished: number;
  /** performance.now() at which the last order settled or the run was abandoned. */
  endedAt: number;
}

/**
 * Open loop: order i is due at t0 + i/rate whatever happened to the others; its latencies are
 * measured from that intended time, so a server that stalls cannot hide its queue (no
 * coordinated omission). Orders go round-robin over the customers. Bounded: at most
 * `maxOutstanding` pending orders (the rest are dropped and count as infinitely late), and
 * `drainMs` after the last send everything still pending is abandoned (also infinitely late).
 */
export async function openLoop(api: HttpClient, customers: Customer[], productId: string, o: OpenLoopOptions): Promise<OpenRun> {
  const count = Math.max(1, Math.round((o.ratePerSec * o.durationMs) / 1000));
  const run: OpenRun = { ...emptyRun(count), dropped: 0, unfinished: 0, endedAt: 0 };
  let abandoned = false;
  let outstanding = 0;
  const inFlight = new Set<Promise<void>>();
  const t0 = performance.now() + 20;
  for (let i = 0; i < count; i++) {
    const intendedAt = t0 + (i * 1000) / o.ratePerSec;
    const wait = intendedAt - performance.now();
    if (wait >= 1) await sleep(wait);
    if (outstanding >= o.maxOutstanding) {
      run.dropped++;
      run.firstPostAt = Math.min(run.firstPostAt, intendedAt);
      continue;
    }
    outstanding++;
    const task = placeAndAwait(api, customers[i % customers.length]!, productId, { pollMs: o.pollMs, backoff: true, abandoned: () => abandoned }, intendedAt)
      .then(
        (r) => {
          if (r.status === 'abandoned') return;
          record(run, r);
          // An order that did not end confirmed is later than any that did.
          if (r.status !== 'confirmed') run.confirmMs.push(Infinity);
        },
        (err: unknown) => {
          if (abandoned) return;
          run.failures.push(`error: ${(err as Error).message.slice(0, 120)}`);
          // A request that failed (e.g. timed out): the POST itself, or a poll after it.
          if ((err as Error).message.startsWith('POST')) run.postMs.push(Infinity);
          run.confirmMs.push(Infinity);
        },
      )
      .finally(() => {
        outstanding--;
        inFlight.delete(task);
      });
    inFlight.add(task);
  }
  const drained = Promise.allSettled([...inFlight]);
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([drained, new Promise<void>((resolve) => (timer = setTimeout(resolve, o.drainMs)))]);
  clearTimeout(timer);
  abandoned = true;
  run.unfinished = inFlight.size;
  run.endedAt = performance.now();
  // Dropped and unfinished orders are later than any measured one.
  for (let i = 0; i < run.dropped + run.unfinished; i++) {
    run.postMs.push(Infinity);
    run.confirmMs.push(Infinity);
  }
  return run;
}

// ---------------------------------------------------------------- report

export const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : n === Infinity ? 'inf' : '-');
export const mib = (bytes: number) => `${fmt(bytes / 2 ** 20, 0)} MiB`;
export const loadLine = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

export function machine(): string {
  const cpu = cpus();
  return [
    `machine: ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM`,
    `         Node ${process.version}, ${platform()} ${arch()}, load average ${loadLine()}`,
  ].join('\n');
}

export function busyWarning(): string | undefined {
  const load = loadavg()[0]!;
  return load > cpus().length / 2
    ? `warning: the machine is busy (1-min load ${load.toFixed(2)} on ${cpus().length} cores); wall-time figures will be low and noisy, read CPU per order`
    : undefined;
}

const WIDTHS = [40, 6, 9, 9, 9, 9, 9];
export function tableHeader(): string {
  const header = ['', 'count', 'per s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'];
  return [header.map((c, i) => (i === 0 ? c.padEnd(WIDTHS[i]!) : c.padStart(WIDTHS[i]!))).join(' '), '-'.repeat(WIDTHS.reduce((a, b) => a + b + 1, -1))].join(
    '\n',
  );
}

export function row(label: string, s: Summary, rate = ''): string {
  return [
    label.padEnd(WIDTHS[0]!),
    String(s.count).padStart(WIDTHS[1]!),
    rate.padStart(WIDTHS[2]!),
    ...[s.p50, s.p95, s.p99, s.max].map((v, i) => fmt(v).padStart(WIDTHS[i + 3]!)),
  ].join(' ');
}

/** Orders per second: confirmed ÷ (last confirmation − first intended send). */
export function ordersPerSec(run: OrderRun, endedAt = run.lastConfirmedAt): number {
  const windowMs = endedAt - run.firstPostAt;
  return run.confirmed > 0 && windowMs > 0 ? (run.confirmed / windowMs) * 1000 : 0;
}

export function latencyRows(prefix: string, run: OrderRun, endedAt?: number): string[] {
  const rps = ordersPerSec(run, endedAt);
  return [
    row(`${prefix}POST -> confirmed (server stamp)`, summarize(run.confirmMs), fmt(rps)),
    row(`${prefix}POST -> confirmed (seen by poll)`, summarize(run.observedMs)),
    row(`${prefix}POST /api/v1/orders (202)`, summarize(run.postMs)),
    row(`${prefix}GET /api/v1/orders/:id (poll)`, summarize(run.pollMs)),
  ];
}

export function failureLines(run: OrderRun): string[] {
  if (run.failures.length === 0) return [];
  const counts = new Map<string, number>();
  for (const raw of run.failures) {
    const f = raw.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, ':id');
    counts.set(f, (counts.get(f) ?? 0) + 1);
  }
  return ['  failures:', ...[...counts].map(([f, n]) => `    ${n} x ${f}`)];
}

/** CPU per confirmed order (per group, and summed over the Mercato groups), % of a core and peak RSS. */
export function cpuRows(usage: { elapsedMs: number; groups: GroupUsage[] }, confirmed: number): string[] {
  const lines = [`  ${'process'.padEnd(44)} ${'CPU ms'.padStart(9)} ${'ms/order'.padStart(9)} ${'% core'.padStart(7)} ${'peak RSS'.padStart(9)}`];
  const line = (name: string, cpuMs: number, rss: number) =>
    `  ${name.padEnd(44)} ${fmt(cpuMs, 0).padStart(9)} ${fmt(confirmed > 0 ? cpuMs / confirmed : NaN, 2).padStart(9)} ${fmt((cpuMs / usage.elapsedMs) * 100).padStart(7)} ${(rss > 0 ? mib(rss) : '-').padStart(9)}`;
  const mercato = usage.groups.filter((g) => g.mercato);
  for (const g of mercato) lines.push(line(g.name, g.cpuMs, g.peakRss));
  if (mercato.length > 1)
    lines.push(
      line(
        'Mercato total',
        mercato.reduce((a, g) => a + g.cpuMs, 0),
        mercato.reduce((a, g) => a + g.peakRss, 0),
      ),
    );
  for (const g of usage.groups.filter((x) => !x.mercato)) lines.push(line(`${g.name}${g.processes > 1 ? ` (${g.processes} procs)` : ''}`, g.cpuMs, g.peakRss));
  return lines;
}

/** Idle: % of one core per group over the window. */
export function idleRows(usage: { elapsedMs: number; groups: GroupUsage[] }): string[] {
  return usage.groups.map(
    (g) =>
      `  ${g.name.padEnd(44)} ${fmt((g.cpuMs / usage.elapsedMs) * 100, 2).padStart(7)} % of a core  (${fmt(g.cpuMs, 0)} ms in ${fmt(usage.elapsedMs / 1000, 1)} s)`,
  );
}

/** The load generator's own CPU over a window (it shares the machine with the servers). */
export function clientCpu(): () => number {
  const start = process.cpuUsage();
  return () => {
    const d = process.cpuUsage(start);
    return (d.user + d.system) / 1000;
  };
}
