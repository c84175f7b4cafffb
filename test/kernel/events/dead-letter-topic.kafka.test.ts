import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENTUALLY_MS, startEventSystem, type EventSystem } from '../../support/fixtures/event-system.js';
import { waitFor } from '../../support/wait-for.js';

/** Over Kafka, what a group gives up on is also published on its dead-letter topic, with the reason. */
describe('the Kafka dead-letter topic', () => {
  let sys: EventSystem;
  beforeAll(async () => {
    sys = await startEventSystem();
  });
  afterAll(() => sys.stop());

  it('carries the dead-lettered event as it came, with the reason in a header', async () => {
    sys.tally.failFor('acc-dlq');
    await sys.ledger.makeEntry('acc-dlq', 5);
    const [letter] = await waitFor(
      async () => {
        const letters = await sys.deadLetters();
        return letters.length > 0 && letters;
      },
      EVENTUALLY_MS,
      'the event to be dead-lettered',
    );

    const { events } = sys.system.config;
    const kafka = new Kafka({ clientId: 'dlq-test', brokers: events.kafkaBrokers, logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: `${events.topicPrefix}.dlq-reader` });
    const seen: { id?: string; type?: string; reason?: string; value: string }[] = [];
    try {
      await consumer.connect();
      await consumer.subscribe({ topic: `${events.topicPrefix}.tally.dead-letter`, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          seen.push({
            id: message.headers?.['ce_id']?.toString(),
            type: message.headers?.['ce_type']?.toString(),
            reason: message.headers?.['x-dead-letter-reason']?.toString(),
            value: message.value?.toString() ?? '',
          });
        },
      });
      const [message] = await waitFor(async () => seen.length > 0 && seen, EVENTUALLY_MS, 'the dead-letter message');
      expect(message).toMatchObject({ id: letter!.eventId, type: 'ledger.entry-made.v1', reason: letter!.reason });
      expect(JSON.parse(message!.value)).toMatchObject({ account: 'acc-dlq', amount: 5 });
    } finally {
      await consumer.disconnect();
    }
  });
});
