import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboxRecordSchema } from '../../../src/kernel/events/outbox.entity.js';
import { userModule } from '../../../src/modules/user/index.js';
import { LedgerService, ledgerModule } from '../../support/fixtures/ledger.module.js';
import { ensureKafka } from '../../support/kafka.js';
import { startTestSystem, type TestSystem } from '../../support/test-system.js';
import { waitFor } from '../../support/wait-for.js';
import { postgresAvailable, TestDatabase } from '../../support/split/infrastructure.js';

/**
 * Replicas of a publishing module share its outbox (one PostgreSQL schema) and each runs a relay.
 * They must relay one at a time: every event reaches the topic once (without a crash), in outbox
 * order per subject. Counted on the real broker.
 */
const WRITERS = 10;
const ENTRIES_PER_WRITER = 30;
const postgres = await postgresAvailable('replicas-publish-once');

describe.skipIf(!postgres)('two replicas of a publishing module on one PostgreSQL schema', () => {
  let db: TestDatabase;
  const replicas: TestSystem[] = [];
  let prefix: string;
  let brokers: string;

  beforeAll(async () => {
    brokers = (await ensureKafka())!;
    prefix = `${process.env['TEST_KAFKA_RUN'] ?? 'mercato-test-adhoc'}-replicas-${randomBytes(3).toString('hex')}`;
    db = await TestDatabase.create('relay_replicas');
    // One after the other: the first builds the schema, the second finds it migrated.
    for (let i = 0; i < 2; i++) {
      replicas.push(
        await startTestSystem({
          available: [userModule, ledgerModule],
          env: { DATABASE_URL: db.url, EVENT_BUS: 'kafka', KAFKA_BROKERS: brokers, KAFKA_TOPIC_PREFIX: prefix },
        }),
      );
    }
  });
  afterAll(async () => {
    await Promise.allSettled(replicas.map((r) => r.stop()));
    await db?.drop();
  });

  it('publish each event once, in order per subject', async () => {
    // Ten writers, half on each replica, each making its own account's entries one after the other.
    await Promise.all(
      Array.from({ length: WRITERS }, async (_, w) => {
        const ledger = replicas[w % 2]!.system.modules.get('ledger')!.container.resolve(LedgerService);
        for (let n = 0; n < ENTRIES_PER_WRITER; n++) await ledger.makeEntry(`acc-${w}`, n);
      }),
    );
    const orm = replicas[0]!.system.modules.get('ledger')!.orm;
    await waitFor(async () => (await orm.em.fork().count(OutboxRecordSchema, { publishedAt: null })) === 0, 30_000, 'the outbox to be relayed');
    await Promise.all(replicas.map((r) => r.system.bus.idle()));
    const outbox = await orm.em.fork().find(OutboxRecordSchema, {}, { orderBy: { seq: 'asc' } });
    expect(outbox).toHaveLength(WRITERS * ENTRIES_PER_WRITER);

    const topic = `${prefix}.ledger`;
    const kafka = new Kafka({ clientId: `${prefix}-count`, brokers: brokers.split(','), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    let onTopic: number;
    try {
      const offsets = await admin.fetchTopicOffsets(topic);
      onTopic = offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
    } finally {
      await admin.disconnect();
    }

    // Read everything back: ids and per-subject order as the topic holds them.
    const seen: { id: string; subject: string; number: number }[] = [];
    const consumer = kafka.consumer({ groupId: `${prefix}.count`, maxWaitTimeInMs: 200 });
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          const data = JSON.parse(message.value!.toString()) as { number: number };
          seen.push({ id: message.headers!['ce_id']!.toString(), subject: message.key!.toString(), number: data.number });
        },
      });
      await waitFor(() => seen.length >= onTopic, 30_000, `${onTopic} messages to be read back`);
    } finally {
      await consumer.disconnect();
    }

    const ids = new Set(seen.map((m) => m.id));
    expect({ messages: onTopic, distinctIds: ids.size }).toEqual({ messages: outbox.length, distinctIds: outbox.length });
    expect([...ids].sort()).toEqual(outbox.map((r) => r.id).sort());
    for (let w = 0; w < WRITERS; w++) {
      expect(seen.filter((m) => m.subject === `acc-${w}`).map((m) => m.number)).toEqual(Array.from({ length: ENTRIES_PER_WRITER }, (_, i) => i + 1));
    }
  });
});
