import { configDefaults, defineConfig } from 'vitest/config';

/** The event-bus semantics suite: DESIGN principle 3 says it must pass on both transports. */
const EVENT_SUITE = 'test/kernel/events/**/*.test.ts';
/** Event tests about what only a broker has (e.g. its dead-letter topic). */
const KAFKA_ONLY = 'test/**/*.kafka.test.ts';
/** Real Docker (image, docker-compose): `npm run test:containers`, its own config, never `npm test`. */
const CONTAINER_SUITE = 'test/containers/**';
/** Multi-process tests; see the `split` project. */
const SPLIT_SUITE = 'test/split/**/*.test.ts';
/**
 * Event tests that are about the in-memory machinery itself (a fake transport), or about one piece
 * alone with no transport at all (kernel unit tests live beside the kernel's other tests), not the
 * bus's semantics: they run once, in the memory project.
 */
const MEMORY_ONLY = ['test/kernel/events/outbox-relay-refusal.test.ts', 'test/kernel/events/partition-offsets.test.ts'];
/** Contract tests: every answer the tests' HTTP clients receive must be described by api/openapi.json. */
const CONTRACT_SETUP = 'test/support/contract.setup.ts';

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'memory',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, SPLIT_SUITE, KAFKA_ONLY, CONTAINER_SUITE],
          env: { TEST_EVENT_BUS: 'memory' },
          setupFiles: [CONTRACT_SETUP],
        },
      },
      {
        // Real processes over Kafka and PostgreSQL. One file at a time, after the other projects:
        // one of these tests stops and restarts the shared broker.
        extends: true,
        test: {
          name: 'split',
          include: [SPLIT_SUITE],
          setupFiles: [CONTRACT_SETUP],
          fileParallelism: false,
          sequence: { groupOrder: 2 },
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
      {
        // The same event suite over a real broker (`npm run kafka:start`; skipped loudly without
        // one, failed under CI=true). `npx vitest run --project kafka`.
        extends: true,
        test: {
          name: 'kafka',
          include: [EVENT_SUITE],
          exclude: [...configDefaults.exclude, ...MEMORY_ONLY],
          env: { TEST_EVENT_BUS: 'kafka' },
          // Its own group, after the memory project: it has its own worker count.
          sequence: { groupOrder: 1 },
          globalSetup: ['test/support/fixtures/kafka.global-setup.ts'],
          setupFiles: ['test/support/fixtures/kafka.setup.ts', CONTRACT_SETUP],
          // These tests mostly wait on the broker (group joins, a consumer's stop waits out its
          // long-poll fetch), so more files run at once than there are cores.
          maxWorkers: 3,
          // A restart after a kill -9 waits for the dead member's session to expire (15 s).
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
