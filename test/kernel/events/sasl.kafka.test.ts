import { Kafka, logLevel } from 'kafkajs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EVENTUALLY_MS, startEventSystem, type EventSystem } from '../../support/fixtures/event-system.js';
import { ensureSaslKafka, kafkaUnavailable, SASL_USER } from '../../support/kafka.js';
import { waitFor } from '../../support/wait-for.js';

/**
 * `KAFKA_SASL_*`: the client authenticates to a broker that refuses anyone else. The broker is a
 * second one beside the shared PLAINTEXT broker (deploy/kafka/sasl.sh), started here if needed.
 */
describe('Kafka with SASL authentication', () => {
  let brokers: string | undefined;
  let sys: EventSystem | undefined;
  beforeAll(async () => {
    const sasl = await ensureSaslKafka();
    if ('failure' in sasl) kafkaUnavailable('the SASL broker', sasl.failure);
    else brokers = sasl.brokers;
  }, 150_000);
  afterEach(async () => {
    await sys?.stop();
    sys = undefined;
  });

  const saslEnv = (mechanism: string, password = SASL_USER.password) => ({
    KAFKA_BROKERS: brokers!,
    KAFKA_SASL_MECHANISM: mechanism,
    KAFKA_SASL_USERNAME: SASL_USER.username,
    KAFKA_SASL_PASSWORD: password,
  });

  it('the broker refuses a client without credentials', async (ctx) => {
    if (!brokers) return ctx.skip();
    const admin = new Kafka({ clientId: 'no-sasl', brokers: [brokers], logLevel: logLevel.NOTHING, connectionTimeout: 2_000, retry: { retries: 0 } }).admin();
    await expect(admin.connect().then(() => admin.listTopics())).rejects.toThrow();
    await admin.disconnect().catch(() => undefined);
  });

  for (const mechanism of ['scram-sha-256', 'plain']) {
    it(`moves events with ${mechanism}`, async (ctx) => {
      if (!brokers) return ctx.skip();
      sys = await startEventSystem({ env: saslEnv(mechanism) });
      expect(await sys.system.bus.healthy()).toBe(true);
      await sys.ledger.makeEntry(`acc-${mechanism}`, 7);
      const rows = await waitFor(
        async () => {
          const r = await sys!.tallyRows(`acc-${mechanism}`);
          return r.length > 0 && r;
        },
        EVENTUALLY_MS,
        'the entry to reach the tally over the SASL broker',
      );
      expect(rows.map((r) => r.amount)).toEqual([7]);
    }, 90_000);
  }

  it('refuses to start with a wrong password, without printing it', async (ctx) => {
    if (!brokers) return ctx.skip();
    const err = await startEventSystem({ env: saslEnv('scram-sha-256', 'not-the-password') }).then(
      (s) => {
        sys = s;
        return undefined;
      },
      (e: unknown) => e as Error,
    );
    expect(err?.message).toMatch(/event bus did not start/);
    expect(err?.message).not.toContain('not-the-password');
  }, 90_000);
});
