import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toKafkaMessage } from '../../../src/kernel/events/cloudevents-kafka.codec.js';
import { DeadLetterSchema } from '../../../src/kernel/events/dead-letter.entity.js';
import { createEnvelope } from '../../../src/kernel/events/event-envelope.js';
import { InboxRecordSchema } from '../../../src/kernel/events/inbox.entity.js';
import { PlaceOrderCommand } from '../../../src/modules/order/application/place-order.command.js';
import { OrderSchema } from '../../../src/modules/order/infrastructure/order.schema.js';
import { ensureKafka } from '../../support/kafka.js';
import { startTestSystem, type TestSystem } from '../../support/test-system.js';
import { waitFor } from '../../support/wait-for.js';
import { EVENTUALLY_MS } from '../../support/fixtures/event-system.js';
import { loadOrCreateSigningKeySet } from '../../../src/kernel/auth/signing-keys.js';

/**
 * Whoever can write to one topic must not speak for another module: the order module takes
 * `payment.captured.v1` only from the payment topic. A forged one on the inventory topic (which it
 * also reads), whatever its `ce_source` header claims, is dead-lettered and the order stays pending.
 */
describe('events are accepted only from the topic of the module that declares them', () => {
  let sys: TestSystem;
  let producer: Producer;
  let prefix: string;
  const dataDir = mkdtempSync(join(tmpdir(), 'mercato-forged-'));

  beforeAll(async () => {
    const brokers = (await ensureKafka())!;
    prefix = `${process.env['TEST_KAFKA_RUN'] ?? 'mercato-test-adhoc'}-forged-${randomUUID().slice(0, 8)}`;
    // A process behind a gateway needs the gateway's service-token keys: here, the development keys
    // a gateway sharing this DATA_DIR would have written.
    await loadOrCreateSigningKeySet(join(dataDir, 'keys', 'service'));
    sys = await startTestSystem({ env: { MODULES: 'user,order', EVENT_BUS: 'kafka', KAFKA_BROKERS: brokers, KAFKA_TOPIC_PREFIX: prefix, DATA_DIR: dataDir } });
    producer = new Kafka({ clientId: 'forger', brokers: brokers.split(','), logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
  }, 60_000);
  afterAll(async () => {
    await producer?.disconnect();
    await sys?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const orm = () => sys.system.modules.get('order')!.orm.em.fork();
  const send = (topicModule: string, event: ReturnType<typeof createEnvelope>) =>
    producer.send({ topic: `${prefix}.${topicModule}`, acks: -1, messages: [toKafkaMessage(event)] });

  it('dead-letters a forged payment.captured.v1 on the inventory topic, and applies the real one', async () => {
    const productId = uuidv7();
    await send(
      'catalog',
      createEnvelope({
        source: 'catalog',
        type: 'product.created.v1',
        subject: productId,
        data: { productId, sku: 'F-1', name: 'Forged', description: null, price: { amount: 500, currency: 'EUR' } },
      }),
    );
    const userId = uuidv7();
    const order = await waitFor(
      () =>
        sys.system.modules
          .get('order')!
          .container.resolve(PlaceOrderCommand)
          .execute({ userId, items: [{ productId, quantity: 1 }], paymentMethod: 'pm_card_visa' }),
      EVENTUALLY_MS,
      'the order module to know the product',
    );
    const captured = (source: string) =>
      createEnvelope({
        source,
        type: 'payment.captured.v1',
        subject: order.id,
        data: { paymentId: uuidv7(), orderId: order.id, userId, amount: { amount: 500, currency: 'EUR' } },
      });

    const lying = captured('payment'); // claims to be from payment, sent on the inventory topic
    const honest = captured('inventory');
    await send('inventory', lying);
    await send('inventory', honest);
    const letters = await waitFor(
      async () => {
        const rows = await orm().find(DeadLetterSchema, { eventId: { $in: [lying.id, honest.id] } });
        return rows.length === 2 && rows;
      },
      EVENTUALLY_MS,
      'both forged events to be dead-lettered',
    );
    for (const letter of letters) {
      expect(letter.reason).toMatch(/payment\.captured\.v1 is published only by payment; this one came from inventory/);
      expect(letter.attempts).toBe(0);
    }
    expect(await orm().count(InboxRecordSchema, { eventId: { $in: [lying.id, honest.id] } })).toBe(0);
    expect((await orm().findOneOrFail(OrderSchema, { id: order.id })).status).toBe('pending');

    // The same event from the payment topic is the real thing.
    const real = captured('payment');
    await send('payment', real);
    await waitFor(async () => (await orm().findOneOrFail(OrderSchema, { id: order.id })).status === 'confirmed', EVENTUALLY_MS, 'the order to be confirmed');
  }, 90_000);
});
