import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MODULES_WITH_WISHLIST } from '../support/fixtures/wishlist.registry.js';
import { httpClient } from '../support/http-client.js';
import { waitFor } from '../support/wait-for.js';
import { KAFKA_BROKERS, splitInfrastructureAvailable } from '../support/split/infrastructure.js';
import { customerEmail, START_TIMEOUT_MS, STOP_TIMEOUT_MS, startSplitSystem, type SplitSystem } from '../support/split/split-system.js';

/**
 * The fixture seventh module (test/support/fixtures/wishlist/, one registration line) in a process
 * of its own, next to real ones, over Kafka and PostgreSQL behind the gateway: its migrations run,
 * the gateway routes to it, it hears the catalog over Kafka, publishes on its own topic and reads
 * its own setting. Nothing outside its folder and that line was written for it.
 */
const available = await splitInfrastructureAvailable('wishlist.split');
const TEST_TIMEOUT_MS = 60_000;

describe.skipIf(!available)('a seventh module (fixture) split across processes', () => {
  let sys: SplitSystem;

  beforeAll(async () => {
    sys = await startSplitSystem(
      'wishlist',
      [
        { name: 'gateway', modules: 'gateway' },
        { name: 'users', modules: 'user,notification' },
        { name: 'catalog', modules: 'catalog,inventory' },
        { name: 'wishlist', modules: 'wishlist', env: { WISHLIST_MAX_ITEMS: '1' } },
      ],
      {},
      { entry: 'test/support/fixtures/wishlist.main.ts', modules: MODULES_WITH_WISHLIST },
    );
  }, START_TIMEOUT_MS);
  afterAll(async () => {
    const crashes = sys?.topology.crashes() ?? [];
    await sys?.stop();
    expect(crashes).toEqual([]);
  }, STOP_TIMEOUT_MS);
  beforeEach(({ onTestFailed }) => onTestFailed(() => console.error(sys?.topology.diagnostics())));

  it(
    'serves its routes through the gateway, hears catalog events over Kafka and publishes on its own topic',
    async () => {
      const { shop, http, db, topology } = sys;
      // Its answers are not in the committed api/openapi.json (it is no part of the product).
      const wishlist = httpClient(topology.url('gateway'), { contract: false });
      const sku = `WISH-${randomUUID().slice(0, 8)}`;
      const created = await http.post('/api/v1/products', { sku, name: 'Lamp', price: { amount: 4500, currency: 'EUR' } }, { token: shop.admin });
      expect(created.status).toBe(201);
      const other = await http.post('/api/v1/products', { sku: `${sku}-2`, name: 'Shade', price: { amount: 900, currency: 'EUR' } }, { token: shop.admin });
      const customer = await http.signUp(customerEmail('wish'));

      const res = await waitFor(
        async () => {
          const r = await wishlist.post('/api/v1/wishlist', { productId: created.body.id }, { token: customer.token });
          return r.status === 200 && r;
        },
        30_000,
        'the wishlist process to hear of the product over Kafka',
      );
      expect(res.body.items).toEqual([expect.objectContaining({ productId: created.body.id, name: 'Lamp' })]);
      // WISHLIST_MAX_ITEMS=1 in that process only: its own configuration slice.
      await waitFor(
        async () => (await db.query(`SELECT 1 FROM wishlist.wished_product WHERE product_id = $1`, [other.body.id])).length === 1,
        30_000,
        'the second product',
      );
      expect((await wishlist.post('/api/v1/wishlist', { productId: other.body.id }, { token: customer.token })).status).toBe(409);

      // Its migrations made its schema in the shared database; its event left through its outbox to its topic.
      const [row] = await waitFor(
        async () => {
          const rows = await db.query<{ type: string; published_at: Date | null }>(`SELECT type, published_at FROM wishlist.event_outbox WHERE subject = $1`, [
            customer.id,
          ]);
          return rows.length === 1 && rows[0]!.published_at !== null && rows;
        },
        15_000,
        'wishlist.item-added.v1 to be relayed',
      );
      expect(row!.type).toBe('wishlist.item-added.v1');
      const admin = new Kafka({ clientId: 'wishlist-split-test', brokers: [KAFKA_BROKERS], logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      try {
        const offsets = await admin.fetchTopicOffsets(`${topology.topicPrefix}.wishlist`);
        expect(offsets.reduce((sum, p) => sum + Number(p.high), 0)).toBe(1);
      } finally {
        await admin.disconnect();
      }
    },
    TEST_TIMEOUT_MS,
  );
});
