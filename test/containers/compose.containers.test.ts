import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait-for.js';
import { ComposeProject, DOCKERFILE, dockerAvailable, freeLoopbackPort, imagePresent, imageSize, must, run } from './support/compose.js';
import type { UncheckedJson } from '../support/json.js';

/**
 * The container deployment for real, on a Docker engine: the image built from
 * deploy/docker/Dockerfile, deploy/compose/compose.yaml brought up with `--scale order=2 --scale
 * payment=2`, and everything sent only to the gateway's port published on 127.0.0.1:
 *   - the saga: 10 concurrent orders for 5 units -> 5 confirmed, 5 cancelled out_of_stock, one
 *     captured payment per confirmed order;
 *   - `docker kill` of one order container in the middle of a burst: every accepted order ends
 *     confirmed or cancelled, stock is conserved, nobody is charged twice;
 *   - payment scaled from 2 to 3: the new replica takes events (its consumer group share) and
 *     requests (the gateway found it through DNS) with no restart of anything else;
 *   - down -v.
 * `npm run test:containers` (run by .ci/run after `npm test`). Without Docker it is skipped loudly,
 * except under CI=true, where it fails. The figures it prints are the ones in the README.
 */

const IMAGE = process.env.MERCATO_TEST_IMAGE ?? 'mercato:local';
/** The images compose.yaml and the Dockerfile need (stand-ins from `npm run images:offline` where no registry is reachable). */
const BASE_IMAGES = ['node:20-bookworm-slim', 'apache/kafka:4.1.1', 'postgres:15-bookworm', 'redis:7-bookworm'];
const BUILD_TIMEOUT_MS = 15 * 60_000;
const UP_TIMEOUT_MS = 8 * 60_000;
const READY_TIMEOUT_MS = 3 * 60_000;
const DOWN_TIMEOUT_MS = 3 * 60_000;
const SETTLE_TIMEOUT_MS = 3 * 60_000;
const REQUEST_TIMEOUT_MS = 30_000;
const ADMIN = { email: 'admin@mercato.test', password: `admin-${randomBytes(9).toString('base64url')}` };
const SCALES = { order: 2, payment: 2 };

const unavailable = await dockerAvailable();
if (unavailable) {
  const message = `container suite: no usable Docker engine (${unavailable}); install docker.io and docker-compose and start dockerd`;
  if (process.env.CI === 'true') throw new Error(`${message} (CI=true: the container suite must run, not skip)`);
  console.warn(`\n${'!'.repeat(100)}\n!!! SKIPPING THE CONTAINER SUITE — ${message}\n${'!'.repeat(100)}\n`);
}

interface Answer<T = UncheckedJson> {
  status: number;
  body: T;
}

/** JSON over HTTP to the gateway's published port, every request bounded. */
function gateway(port: number) {
  const base = `http://127.0.0.1:${port}`;
  async function request<T = UncheckedJson>(
    method: string,
    path: string,
    body?: unknown,
    token?: string,
    extra: Record<string, string> = {},
  ): Promise<Answer<T>> {
    const headers: Record<string, string> = { ...extra };
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${base}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON
    }
    return { status: res.status, body: parsed as T };
  }
  return {
    base,
    get: <T = UncheckedJson>(path: string, token?: string) => request<T>('GET', path, undefined, token),
    post: <T = UncheckedJson>(path: string, body: unknown, token?: string, headers?: Record<string, string>) => request<T>('POST', path, body, token, headers),
    async token(email: string, password: string): Promise<string> {
      const res = await request<{ access_token: string }>('POST', '/api/v1/auth/token', { email, password });
      if (res.status !== 200) throw new Error(`token for ${email}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.access_token;
    },
    async signUp(label: string): Promise<string> {
      const email = `${label}-${randomBytes(4).toString('hex')}@mercato.test`;
      const res = await request('POST', '/api/v1/users', { email, password: 'customer-password-1', name: label });
      if (res.status !== 201) throw new Error(`sign up ${email}: ${res.status} ${JSON.stringify(res.body)}`);
      return this.token(email, 'customer-password-1');
    },
  };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

describe.skipIf(unavailable !== undefined)('split containers with docker-compose', () => {
  const figures: string[] = [];
  let project: ComposeProject;
  let http: ReturnType<typeof gateway>;
  let admin: string;
  let workDir: string;
  let failed = false;

  const report = (line: string) => {
    figures.push(line);
    console.info(`[containers] ${line}`);
  };

  async function diagnostics(): Promise<void> {
    failed = true;
    const ps = await project?.compose(['ps'], 60_000);
    console.error(`[containers] docker-compose ps:\n${ps?.stdout ?? ''}\n--- logs ---\n${(await project?.logs(60)) ?? ''}`);
  }

  beforeAll(
    async () => {
      const missing = [];
      for (const image of BASE_IMAGES) if (!(await imagePresent(image))) missing.push(image);
      if (missing.length > 0)
        throw new Error(`missing images ${missing.join(', ')}: pull them, or run \`npm run images:offline\` where no registry is reachable`);

      const build = await must('docker', ['build', '-f', DOCKERFILE, '-t', IMAGE, '.'], {
        timeoutMs: BUILD_TIMEOUT_MS,
        env: { DOCKER_BUILDKIT: process.env.DOCKER_BUILDKIT ?? '0' },
      });
      report(`image ${IMAGE} built in ${seconds(build.ms)}: ${((await imageSize(IMAGE)) / 1e6).toFixed(0)} MB`);

      workDir = await mkdtemp(join(tmpdir(), 'mercato-containers-'));
      const envFile = join(workDir, 'compose.env');
      await must('node', ['scripts/compose-env.mjs', '--out', envFile], {
        timeoutMs: 30_000,
        env: { ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password },
      });
      const port = await freeLoopbackPort();
      project = new ComposeProject(`mercato-it-${process.pid}`, envFile, {
        MERCATO_IMAGE: IMAGE,
        MERCATO_HTTP_PORT: String(port),
        COMPOSE_PROJECT_NAME: `mercato-it-${process.pid}`,
      });
      http = gateway(port);

      const started = Date.now();
      try {
        const up = await project.up(SCALES, UP_TIMEOUT_MS);
        // Ready: the gateway answers, and routes to user, catalog and order.
        await waitFor(async () => (await http.get('/health/ready')).status === 200, READY_TIMEOUT_MS, 'the gateway to be ready');
        await waitFor(async () => (await http.get('/api/v1/products')).status === 200, READY_TIMEOUT_MS, 'the gateway to route to catalog');
        admin = await waitFor(() => http.token(ADMIN.email, ADMIN.password), READY_TIMEOUT_MS, 'the admin to sign in through the gateway');
        await waitFor(async () => (await http.get('/api/v1/orders', admin)).status === 200, READY_TIMEOUT_MS, 'the gateway to route to order');
        report(
          `docker-compose up -d --scale order=2 --scale payment=2: returned after ${seconds(up.ms)} (all healthchecks passed), ready through the gateway ${seconds(Date.now() - started)} after up started`,
        );
      } catch (err) {
        await diagnostics();
        throw err;
      }
    },
    BUILD_TIMEOUT_MS + UP_TIMEOUT_MS + 4 * READY_TIMEOUT_MS,
  );

  afterAll(async () => {
    if (project) {
      const down = await project.down(DOWN_TIMEOUT_MS);
      report(`docker-compose down -v: exit ${down.code} in ${seconds(down.ms)}`);
      const left = await run('docker', ['ps', '-aq', '--filter', `label=com.docker.compose.project=${project.name}`], { timeoutMs: 30_000 });
      const volumes = await run('docker', ['volume', 'ls', '-q', '--filter', `label=com.docker.compose.project=${project.name}`], { timeoutMs: 30_000 });
      expect(left.stdout.trim(), 'containers left after down -v').toBe('');
      expect(volumes.stdout.trim(), 'volumes left after down -v').toBe('');
    }
    if (workDir) await rm(workDir, { recursive: true, force: true });
    console.info(`\n[containers] figures${failed ? ' (some test failed)' : ''}:\n${figures.map((f) => `  - ${f}`).join('\n')}\n`);
  }, DOWN_TIMEOUT_MS + 60_000);

  /** Each test prints the containers' logs when it fails. */
  async function withDiagnostics(fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      await diagnostics();
      throw err;
    }
  }

  /** A product through the gateway, known to inventory and order, with `units` in stock. */
  async function product(units: number): Promise<{ id: string; sku: string }> {
    const requested = `ct-${randomBytes(4).toString('hex')}`;
    const created = await http.post(
      '/api/v1/products',
      { sku: requested, name: `Container test ${requested}`, price: { amount: 1250, currency: 'EUR' } },
      admin,
    );
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    // The catalog normalises SKUs: use the one it answered with.
    const sku = created.body.sku as string;
    // product.created crossed Kafka to inventory (stock record) and to order (its price list).
    await waitFor(
      async () => (await http.post(`/api/v1/inventory/${sku}/restock`, { quantity: units }, admin)).status === 200,
      60_000,
      `inventory to know ${sku}`,
    );
    await waitFor(
      async () => (await project.sql(`SELECT 1 FROM "order".known_product WHERE product_id = '${created.body.id}'`)).length === 1,
      60_000,
      `order to know ${sku}`,
    );
    return { id: created.body.id, sku };
  }

  async function statuses(ids: readonly string[]): Promise<Map<string, { status: string; reason: string }>> {
    if (ids.length === 0) return new Map();
    const rows = await project.sql(
      `SELECT id, status, coalesce(cancel_reason, '') FROM "order".customer_order WHERE id IN (${ids.map((id) => `'${id}'`).join(',')})`,
    );
    return new Map(rows.map(([id, status, reason]) => [id!, { status: status!, reason: reason! }]));
  }

  async function allSettled(ids: readonly string[]): Promise<Map<string, { status: string; reason: string }>> {
    let pending = ids.length;
    try {
      return await waitFor(
        async () => {
          const now = await statuses(ids);
          pending = ids.filter((id) => !['confirmed', 'cancelled'].includes(now.get(id)?.status ?? 'missing')).length;
          if (pending === 0) return now;
          await new Promise((r) => setTimeout(r, 500));
          return false;
        },
        SETTLE_TIMEOUT_MS,
        `${ids.length} orders to settle`,
      );
    } catch (err) {
      throw new Error(`${(err as Error).message}; ${pending} still pending`, { cause: err });
    }
  }

  async function stock(sku: string): Promise<{ available: number; reserved: number; sold: number }> {
    const [row] = await project.sql(`SELECT available, reserved, sold FROM inventory.stock_item WHERE sku = '${sku}'`);
    if (!row) throw new Error(`no stock_item for ${sku}`);
    return { available: Number(row[0]), reserved: Number(row[1]), sold: Number(row[2]) };
  }

  async function payments(ids: readonly string[]): Promise<{ orderId: string; status: string }[]> {
    if (ids.length === 0) return [];
    const rows = await project.sql(`SELECT order_id, status FROM payment.payment WHERE order_id IN (${ids.map((id) => `'${id}'`).join(',')})`);
    return rows.map(([orderId, status]) => ({ orderId: orderId!, status: status! }));
  }

  /** The sandbox provider's ledger, shared by the payment replicas (a volume): one line per charge. */
  async function ledgerKeys(): Promise<string[]> {
    const [payment] = (await project.containers('payment')).filter((c) => c.running);
    if (!payment) throw new Error('no running payment container');
    const result = await project.exec(payment.id, ['sh', '-c', 'cat /var/lib/mercato/payment-sandbox-ledger.jsonl 2>/dev/null || true']);
    return result.stdout
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => (JSON.parse(l) as { key: string }).key);
  }

  const dupes = (values: readonly string[]) => values.filter((v, i) => values.indexOf(v) !== i);

  it('publishes nothing but the gateway, and only on 127.0.0.1', async () => {
    const ids = await project.containerIds();
    const result = await must('docker', ['inspect', '--format', '{{.Name}} {{json .HostConfig.PortBindings}}', ...ids], { timeoutMs: 60_000 });
    const bindings = result.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [name, json] = [line.slice(0, line.indexOf(' ')), line.slice(line.indexOf(' ') + 1)];
        const ports = (JSON.parse(json) ?? {}) as Record<string, { HostIp: string; HostPort: string }[]>;
        return {
          name,
          hosts: Object.values(ports)
            .flat()
            .map((b) => `${b.HostIp}:${b.HostPort}`),
        };
      });
    const published = bindings.filter((b) => b.hosts.length > 0);
    expect(published.map((b) => b.name)).toEqual([expect.stringMatching(/_gateway_1$/)]);
    expect(published[0]!.hosts).toEqual([`127.0.0.1:${new URL(http.base).port}`]);
    expect((await project.containers('order')).length).toBe(2);
    expect((await project.containers('payment')).length).toBe(2);
  });

  it(
    'runs the saga through the gateway: 10 concurrent orders for 5 units -> 5 confirmed, 5 cancelled out_of_stock, one capture per confirmed order',
    async () => {
      await withDiagnostics(async () => {
        const p = await product(5);
        const customer = await http.signUp('saga');
        const started = Date.now();
        const answers = await Promise.all(
          Array.from({ length: 10 }, () => http.post('/api/v1/orders', { items: [{ productId: p.id, quantity: 1 }], paymentMethod: 'pm_card_visa' }, customer)),
        );
        expect(answers.map((a) => a.status)).toEqual(Array(10).fill(202));
        const ids = answers.map((a) => a.body.id as string);
        const settled = await allSettled(ids);
        const confirmed = ids.filter((id) => settled.get(id)!.status === 'confirmed');
        const cancelled = ids.filter((id) => settled.get(id)!.status === 'cancelled');
        expect(confirmed).toHaveLength(5);
        expect(cancelled).toHaveLength(5);
        expect(cancelled.map((id) => settled.get(id)!.reason)).toEqual(Array(5).fill('out_of_stock'));
        // Through the gateway too, as the customer sees it.
        const seen = await Promise.all(ids.map((id) => http.get(`/api/v1/orders/${id}`, customer)));
        expect(seen.filter((r) => r.body.status === 'confirmed')).toHaveLength(5);
        const pays = await payments(ids);
        expect(
          pays
            .filter((x) => x.status === 'captured')
            .map((x) => x.orderId)
            .sort(),
        ).toEqual([...confirmed].sort());
        expect(pays.filter((x) => cancelled.includes(x.orderId) && x.status === 'captured')).toEqual([]);
        expect(await stock(p.sku)).toEqual({ available: 0, reserved: 0, sold: 5 });
        expect(dupes(await ledgerKeys())).toEqual([]);
        report(
          `saga: 10 concurrent orders for 5 units settled in ${seconds(Date.now() - started)}: 5 confirmed (5 captured payments), 5 cancelled out_of_stock`,
        );
      });
    },
    5 * 60_000,
  );

  it(
    'docker kill of one order container in the middle of a burst: every order settles exactly once, stock is conserved, nobody is charged twice',
    async () => {
      await withDiagnostics(async () => {
        const ORDERS = 40;
        const UNITS = 30;
        const p = await product(UNITS);
        const customers = [await http.signUp('burst-a'), await http.signUp('burst-b')];
        const [victim] = await project.containers('order');
        // Keyed by Idempotency-Key: a careful client retries an order whose answer it never got
        // (the instance died with the request in flight) with the same key until the answer is
        // definitive, so an order committed just before the kill is returned, not placed twice.
        const orderIds = new Map<string, string>();
        const tally: Record<string, number> = {};
        let next = 0;
        let answered = 0;
        let killed: Promise<unknown> | undefined;
        let killedAt = 0;
        const place = async (i: number) => {
          const key = `burst-${p.sku}-${i}`;
          const method = i % 8 === 7 ? 'pm_card_chargeDeclined' : 'pm_card_visa';
          const until = Date.now() + SETTLE_TIMEOUT_MS;
          while (Date.now() < until) {
            let answer: string;
            try {
              const res = await http.post('/api/v1/orders', { items: [{ productId: p.id, quantity: 1 }], paymentMethod: method }, customers[i % 2], {
                'idempotency-key': key,
              });
              answer = String(res.status);
              if (res.status === 202) orderIds.set(key, res.body.id);
              if (res.status < 500 && res.status !== 408 && res.status !== 429) {
                tally[answer] = (tally[answer] ?? 0) + 1;
                return;
              }
            } catch (err) {
              answer = `error: ${(err as Error).message}`;
            }
            tally[`${answer} (retried)`] = (tally[`${answer} (retried)`] ?? 0) + 1;
            await new Promise((r) => setTimeout(r, 500));
          }
        };
        const worker = async () => {
          while (next < ORDERS) {
            await place(next++);
            answered += 1;
            if (answered === 10) {
              killedAt = Date.now();
              killed = must('docker', ['kill', victim!.id], { timeoutMs: 30_000 });
            }
            await new Promise((r) => setTimeout(r, 100));
          }
        };
        const burstStarted = Date.now();
        await Promise.all([worker(), worker(), worker()]);
        await killed;
        const burstMs = Date.now() - burstStarted;
        expect(killed, 'the kill was triggered').toBeDefined();
        // Every order got its definitive answer, and it was an acceptance.
        expect(Object.keys(tally).filter((answer) => !answer.endsWith('(retried)'))).toEqual(['202']);
        const accepted = [...orderIds.values()];
        expect(accepted.length).toBe(ORDERS);

        const settled = await allSettled(accepted);
        const settledMs = Date.now() - killedAt;
        // No order exists for this product but the ones the clients were given: no retry placed one twice.
        const placed = await project.sql(`SELECT id FROM "order".customer_order WHERE items::text LIKE '%${p.id}%'`);
        expect(placed.map(([id]) => id).sort()).toEqual([...accepted].sort());
        const confirmed = accepted.filter((id) => settled.get(id)!.status === 'confirmed');
        const cancelled = accepted.filter((id) => settled.get(id)!.status === 'cancelled');
        expect(confirmed.length + cancelled.length).toBe(accepted.length);
        // Stock conserved: nothing reserved any more, one unit sold per confirmed order, the rest back on the shelf.
        const s = await stock(p.sku);
        expect(s).toEqual({ available: UNITS - confirmed.length, reserved: 0, sold: confirmed.length });
        // Nobody charged twice: at most one payment per order, a capture exactly for the confirmed ones, one ledger line per charge.
        const pays = await payments(accepted);
        expect(dupes(pays.map((x) => x.orderId))).toEqual([]);
        expect(
          pays
            .filter((x) => x.status === 'captured')
            .map((x) => x.orderId)
            .sort(),
        ).toEqual([...confirmed].sort());
        expect(dupes(await ledgerKeys())).toEqual([]);
        const reasons = cancelled.reduce<Record<string, number>>((acc, id) => {
          const reason = settled.get(id)!.reason;
          acc[reason] = (acc[reason] ?? 0) + 1;
          return acc;
        }, {});
        const [after] = await project.inspect([victim!.id]);
        report(
          `kill: ${ORDERS} orders (3 at a time, every 8th declined, each with an Idempotency-Key and retried until definitive), docker kill ${victim!.name} after 10 answers; answers ${JSON.stringify(tally)}; ` +
            `${accepted.length} accepted -> ${confirmed.length} confirmed, ${cancelled.length} cancelled ${JSON.stringify(reasons)}, all settled ${seconds(settledMs)} after the kill (burst ${seconds(burstMs)}); ` +
            `stock ${JSON.stringify(s)} of ${UNITS}; ${pays.length} payments, no order twice; killed container afterwards: ${after?.running ? `running again (restart policy, ${after.restartCount} restart(s))` : 'stopped'}`,
        );
      });
    },
    8 * 60_000,
  );

  it(
    'scales payment from 2 to 3: the new replica takes events and requests, nothing else restarts; back to 2, the gateway drops it',
    async () => {
      await withDiagnostics(async () => {
        const before = await project.containers('payment');
        const others = [...(await project.containers('gateway')), ...(await project.containers('order'))].filter((c) => c.running);
        const started = Date.now();
        // Only the payment service is touched (--no-deps): compose neither recreates nor waits on anything else.
        const scaled = await project.mustCompose(['up', '-d', '--no-deps', '--no-recreate', '--scale', 'payment=3', 'payment'], UP_TIMEOUT_MS);
        const after = await project.containers('payment');
        expect(after).toHaveLength(3);
        const fresh = after.find((c) => !before.some((b) => b.id === c.id));
        expect(fresh, 'a new payment container').toBeDefined();
        await waitFor(
          async () => (await project.inspect([fresh!.id]))[0]?.health === 'healthy',
          READY_TIMEOUT_MS,
          'the new payment replica to be healthy',
        ).catch(async (err: unknown) => {
          console.error(`[containers] the new payment replica ${fresh!.name}:\n${await project.health(fresh!.id)}`);
          throw err;
        });
        const healthyMs = Date.now() - started;

        // Orders until the new replica has consumed some of their events (its share of the partitions).
        const p = await product(200);
        const customer = await http.signUp('scale');
        const ids: string[] = [];
        let handled = 0;
        await waitFor(
          async () => {
            const batch = await Promise.all(
              Array.from({ length: 5 }, () =>
                http.post('/api/v1/orders', { items: [{ productId: p.id, quantity: 1 }], paymentMethod: 'pm_card_visa' }, customer),
              ),
            );
            ids.push(...batch.filter((b) => b.status === 202).map((b) => b.body.id as string));
            await allSettled(ids);
            const consumed = await project.consumedEvents(fresh!.id);
            handled = [...consumed].filter(([k]) => k.startsWith('payment|')).reduce((n, [, v]) => n + v, 0);
            return handled > 0;
          },
          3 * 60_000,
          'the new payment replica to handle events',
        );
        const eventsMs = Date.now() - started;
        // And requests: the gateway resolved the service name again and spreads GET /api/v1/payments over 3 replicas.
        const servedBefore = await project.requestsServed(fresh!.id, '/api/v1/payments');
        for (let i = 0; i < 9; i++) expect((await http.get(`/api/v1/payments?orderId=${ids[0]}`, customer)).status).toBe(200);
        const served = (await project.requestsServed(fresh!.id, '/api/v1/payments')) - servedBefore;
        expect(served).toBeGreaterThan(0);
        // Nothing else was restarted or recreated.
        const othersAfter = await project.inspect(others.map((o) => o.id));
        expect(othersAfter.map((o) => `${o.name} ${o.running} ${o.startedAt}`)).toEqual(others.map((o) => `${o.name} ${o.running} ${o.startedAt}`));
        const captured = (await payments(ids)).filter((x) => x.status === 'captured').length;
        expect(captured).toBe(ids.length);

        // Back to 2: the gateway drops the address of the removed replica (its name no longer resolves to it).
        const shrinkStarted = Date.now();
        await project.mustCompose(['up', '-d', '--no-deps', '--no-recreate', '--scale', 'payment=2', 'payment'], UP_TIMEOUT_MS);
        const remaining = await project.containers('payment');
        const removed = after.find((c) => !remaining.some((r) => r.id === c.id))!;
        expect(removed, 'a payment container was removed').toBeDefined();
        await waitFor(
          async () => {
            const logs = (await project.compose(['logs', '--no-color', '--tail=400', 'gateway'], 60_000)).stdout;
            return logs
              .split('\n')
              .some(
                (line) => line.includes('upstream instances changed') && line.includes('"payment"') && line.includes(`"removed":["http://${removed.ip}:3000"]`),
              );
          },
          60_000,
          `the gateway to drop ${removed.name} (${removed.ip})`,
        );
        const droppedMs = Date.now() - shrinkStarted;
        for (let i = 0; i < 6; i++) expect((await http.get(`/api/v1/payments?orderId=${ids[0]}`, customer)).status).toBe(200);
        report(
          `scale payment 2 -> 3 (docker-compose up -d --no-deps --scale payment=3 payment, ${seconds(scaled.ms)}): new replica ${fresh!.name} healthy ${seconds(healthyMs)} after the command, handled its first events ${seconds(eventsMs)} after it ` +
            `(${handled} payment events of ${ids.length} orders, all captured once); it served ${served} of 9 GET /api/v1/payments through the gateway; ` +
            `scaled back to 2, the gateway dropped ${removed.ip} ${seconds(droppedMs)} after the command`,
        );
      });
    },
    8 * 60_000,
  );
});
