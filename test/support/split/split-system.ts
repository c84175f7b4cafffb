import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import { httpClient, type HttpClient, type HttpResponse } from '../http-client.js';
import { waitFor } from '../wait-for.js';
import { acquireSplitLock, deleteKafkaTopics, kafkaPortOpen, startKafka, TestDatabase } from './infrastructure.js';
import { ADMIN, Topology, type ProcessSpec, type TopologyOptions } from './topology.js';
import type { OrderBody } from '../api-types.js';
export type { OrderBody };

/** The deployment of the issue: a gateway and four module processes, order,payment twice. */
export const FIVE_PROCESSES: ProcessSpec[] = [
  { name: 'gateway', modules: 'gateway' },
  { name: 'users', modules: 'user,notification' },
  { name: 'catalog', modules: 'catalog,inventory' },
  { name: 'orders-1', modules: 'order,payment' },
  { name: 'orders-2', modules: 'order,payment' },
];

/** beforeAll: may wait for another split file to finish (one at a time), then start processes. */
export const START_TIMEOUT_MS = 10 * 60_000;
export const STOP_TIMEOUT_MS = 120_000;
/** How long an accepted order may take to settle when nothing is being broken. */
export const SETTLE_TIMEOUT_MS = 30_000;

export interface Product {
  id: string;
  sku: string;
  price: { amount: number; currency: string };
}

export interface Stock {
  available: number;
  reserved: number;
  sold: number;
}

export interface SplitSystem {
  topology: Topology;
  db: TestDatabase;
  /** HTTP through the gateway. */
  http: HttpClient;
  shop: SplitShop;
  stop(): Promise<void>;
}

/**
 * Takes the split-test lock, makes sure the broker runs, creates a database for this file and
 * starts the processes. `stop()` undoes all of it (and leaves Kafka running).
 */
export async function startSplitSystem(
  label: string,
  specs: readonly ProcessSpec[],
  env: Record<string, string> = {},
  program?: TopologyOptions['program'],
): Promise<SplitSystem> {
  const release = await acquireSplitLock();
  let db: TestDatabase | undefined;
  let topology: Topology | undefined;
  try {
    if (!(await kafkaPortOpen())) await startKafka();
    db = await TestDatabase.create(label);
    topology = await Topology.start(specs, { databaseUrl: db.url, env, ...(program ? { program } : {}) });
    const http = httpClient(topology.url('gateway'));
    // The gateway probes its upstreams every few seconds: one that was still starting at its
    // first probe gets traffic from the next one on.
    const admin = await waitFor(() => http.token(ADMIN.email, ADMIN.password), 20_000, 'the gateway to route to the user process');
    if (specs.some((s) => s.modules.split(',').includes('catalog'))) {
      await waitFor(async () => (await http.get('/api/v1/products')).status === 200, 20_000, 'the gateway to route to the catalog process');
    }
    if (specs.some((s) => s.modules.split(',').includes('order'))) {
      await waitFor(async () => (await http.get('/api/v1/orders', { token: admin })).status === 200, 20_000, 'the gateway to route to the order processes');
    }
    const shop = new SplitShop(http, db, topology, admin);
    const database = db;
    const processes = topology;
    return {
      topology,
      db,
      http,
      shop,
      async stop() {
        try {
          await processes.stop();
          await database.drop();
          if (!(await kafkaPortOpen())) await startKafka();
          await deleteKafkaTopics(processes.topicPrefix);
        } finally {
          release();
        }
      },
    };
  } catch (err) {
    if (topology) console.error(topology.diagnostics());
    await topology?.stop().catch(() => undefined);
    if (topology) await deleteKafkaTopics(topology.topicPrefix);
    await db?.drop().catch(() => undefined);
    release();
    throw err;
  }
}

let customers = 0;
export function customerEmail(prefix = 'customer'): string {
  customers += 1;
  return `${prefix}-${process.pid}-${customers}-${Date.now().toString(36)}@mercato.test`;
}

/** What the saga tests do through the gateway, and what they read straight from each module's schema. */
export class SplitShop {
  constructor(
    readonly http: HttpClient,
    readonly db: TestDatabase,
    readonly topology: Topology,
    readonly admin: string,
  ) {}

  /** A product created through the gateway, once inventory and order have heard of it, and restocked. */
  async product(sku: string, amount: number, units = 0): Promise<Product> {
    const res = await this.http.post('/api/v1/products', { sku, name: `Product ${sku}`, price: { amount, currency: 'EUR' } }, { token: this.admin });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const product: Product = { id: res.body.id, sku: res.body.sku, price: res.body.price };
    // product.created crossed Kafka to inventory (stock record) and order (price list).
    await waitFor(async () => (await this.http.get(`/api/v1/inventory/${sku}`, { token: this.admin })).status === 200, 30_000, `inventory to know ${sku}`);
    await waitFor(
      async () => (await this.db.query(`SELECT 1 FROM "order".known_product WHERE product_id = $1`, [product.id])).length === 1,
      30_000,
      `order to know ${sku}`,
    );
    if (units > 0) await this.restock(sku, units);
    return product;
  }

  async restock(sku: string, quantity: number): Promise<void> {
    const res = await this.http.post(`/api/v1/inventory/${sku}/restock`, { quantity }, { token: this.admin });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  }

  /** POST /api/v1/orders, as is (bursts look at every status). */
  order(
    token: string,
    items: { productId: string; quantity: number }[],
    paymentMethod = 'pm_card_visa',
    headers: Record<string, string> = {},
  ): Promise<HttpResponse<OrderBody>> {
    return this.http.post<OrderBody>('/api/v1/orders', { items, paymentMethod }, { token, headers });
  }

  async placeOrder(
    token: string,
    items: { productId: string; quantity: number }[],
    paymentMethod = 'pm_card_visa',
    headers: Record<string, string> = {},
  ): Promise<OrderBody> {
    const res = await this.order(token, items, paymentMethod, headers);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body.status).toBe('pending');
    return res.body;
  }

  /** Polls the order through the gateway (as its owner) until it is no longer pending. */
  async settled(token: string, orderId: string, timeoutMs = SETTLE_TIMEOUT_MS): Promise<OrderBody> {
    return waitFor(
      async () => {
        const res = await this.http.get<OrderBody>(`/api/v1/orders/${orderId}`, { token });
        return res.status === 200 && res.body.status !== 'pending' && res.body;
      },
      timeoutMs,
      `order ${orderId} to settle`,
    );
  }

  /** Order statuses straight from the order schema: one query for a whole burst. */
  async orderStatuses(ids: readonly string[]): Promise<Map<string, { status: string; cancelReason: string | null }>> {
    const rows = await this.db.query<{ id: string; status: string; cancel_reason: string | null }>(
      `SELECT id, status, cancel_reason FROM "order".customer_order WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    return new Map(rows.map((r) => [r.id, { status: r.status, cancelReason: r.cancel_reason }]));
  }

  /** Waits until every one of `ids` is confirmed or cancelled in the order schema. */
  async allSettled(ids: readonly string[], timeoutMs: number): Promise<Map<string, { status: string; cancelReason: string | null }>> {
    let pending: string[] = [];
    try {
      return await waitFor(
        async () => {
          const statuses = await this.orderStatuses(ids);
          pending = ids.filter((id) => !['confirmed', 'cancelled'].includes(statuses.get(id)?.status ?? 'missing'));
          if (pending.length === 0) return statuses;
          await new Promise((r) => setTimeout(r, 250));
          return false;
        },
        timeoutMs,
        `${ids.length} orders to settle`,
      );
    } catch (err) {
      throw new Error(`${(err as Error).message}; still pending: ${pending.length} (${pending.slice(0, 5).join(', ')})`, { cause: err });
    }
  }

  /** Stock straight from inventory's table (sold is not in the API). */
  async stock(sku: string): Promise<Stock> {
    const [row] = await this.db.query<Stock>(`SELECT available, reserved, sold FROM inventory.stock_item WHERE sku = $1`, [sku]);
    if (!row) throw new Error(`no stock_item for ${sku}`);
    return { available: row.available, reserved: row.reserved, sold: row.sold };
  }

  /** Stock as the admin sees it through the gateway, checked against the table. */
  async stockViaApi(sku: string): Promise<Stock> {
    const res = await this.http.get(`/api/v1/inventory/${sku}`, { token: this.admin });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const stock = await this.stock(sku);
    expect({ available: res.body.available, reserved: res.body.reserved }).toEqual({ available: stock.available, reserved: stock.reserved });
    return stock;
  }

  /** Payment rows per order id, from the payment schema. */
  async paymentCounts(ids: readonly string[]): Promise<Map<string, number>> {
    const rows = await this.db.query<{ order_id: string; n: string }>(
      `SELECT order_id, count(*) AS n FROM payment.payment WHERE order_id = ANY($1::uuid[]) GROUP BY order_id`,
      [ids],
    );
    return new Map(rows.map((r) => [r.order_id, Number(r.n)]));
  }

  /** The sandbox provider's ledger (one line per charge) in the shared DATA_DIR. */
  async ledgerKeys(): Promise<string[]> {
    let text = '';
    try {
      text = await readFile(join(this.topology.dataDir, 'payment-sandbox-ledger.jsonl'), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    return text
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => (JSON.parse(l) as { key: string }).key);
  }
}

/** Keys that occur more than once. */
export function duplicates(values: readonly string[]): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const v of values) (seen.has(v) ? twice : seen).add(v);
  return [...twice];
}

/** `events_consumed_total` of one process, by `module|type|outcome`. */
export async function consumedEvents(baseUrl: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^events_consumed_total\{([^}]*)\}\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    out.set(`${labels.module}|${labels.type}|${labels.outcome}`, Number(m[2]));
  }
  return out;
}

export interface UseSplitSystemOptions {
  /** Extra environment for every process. Computed in the start hook when a function. */
  env?: Record<string, string> | (() => Record<string, string>);
  /** Fail the file if a process died on its own (default); off where the test kills them at random. */
  expectNoCrashes?: boolean;
  /** How long stopping may take (some tests leave more to clean up). */
  stopTimeoutMs?: number;
  /** Runs before the processes start (e.g. a broker of the test's own). */
  beforeStart?: () => Promise<void>;
  /** Runs after they stopped, even when stopping failed. */
  afterStop?: () => Promise<void>;
}

/**
 * A split system for the tests of the enclosing `describe`: started (under the split lock) before
 * them, stopped after them; a failing test prints the processes' diagnostics. Read the handle
 * inside tests and hooks.
 */
export function useSplitSystem(label: string, specs: readonly ProcessSpec[], options: UseSplitSystemOptions = {}): SplitSystem {
  let current: SplitSystem | undefined;
  beforeAll(async () => {
    await options.beforeStart?.();
    const env = typeof options.env === 'function' ? options.env() : (options.env ?? {});
    current = await startSplitSystem(label, specs, env);
  }, START_TIMEOUT_MS);
  afterAll(async () => {
    const running = current;
    current = undefined;
    const crashes = running?.topology.crashes() ?? [];
    try {
      await running?.stop();
    } finally {
      await options.afterStop?.();
    }
    if (options.expectNoCrashes ?? true) expect(crashes).toEqual([]);
  }, options.stopTimeoutMs ?? STOP_TIMEOUT_MS);
  beforeEach(({ onTestFailed }) => onTestFailed(() => console.error(current?.topology.diagnostics())));
  const running = (): SplitSystem => {
    if (!current) throw new Error(`the split system "${label}" is not running: use it inside a test or a hook`);
    return current;
  };
  return {
    get topology() {
      return running().topology;
    },
    get db() {
      return running().db;
    },
    get http() {
      return running().http;
    },
    get shop() {
      return running().shop;
    },
    stop: () => running().stop(),
  };
}
