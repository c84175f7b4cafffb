import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract, type RateLimiterRes } from 'rate-limiter-flexible';
import type { Logger } from 'pino';
import type { RateLimitGroup } from './rate-limit.policy.js';

/** How long start-up waits for Redis before serving on the in-memory fallback. */
const CONNECT_TIMEOUT_MS = 1_000;
/** A Redis call slower than this counts as a failure (the request is not held up by a sick Redis). */
const COMMAND_TIMEOUT_MS = 500;

export interface RateLimitStoreOptions {
  groups: readonly RateLimitGroup[];
  keyPrefix: string;
  /** Share counters through Redis (across gateway replicas); unset keeps them in this process. */
  redisUrl?: string;
  logger: Logger;
  /** Called each time a decision is made by the in-memory fallback because Redis failed. */
  onStoreFailure: (group: string) => void;
}

export interface RateLimitStore {
  readonly kind: 'memory' | 'redis';
  limiter(group: string): RateLimiterAbstract;
  close(): Promise<void>;
}

/**
 * The in-memory limiter that rate-limiter-flexible consults when the Redis one fails (its
 * `insuranceLimiter`). It only adds the bookkeeping: every fallback decision is counted and the first
 * of a run is logged as a warning.
 */
class InsuranceLimiter extends RateLimiterMemory {
  constructor(
    opts: ConstructorParameters<typeof RateLimiterMemory>[0],
    private readonly onUse: () => void,
  ) {
    super(opts);
  }

  override consume(key: string | number, points?: number, options?: Record<string, unknown>): Promise<RateLimiterRes> {
    this.onUse();
    return super.consume(key, points, options);
  }
}

/**
 * One limiter per route group: `RateLimiterMemory` by default, `RateLimiterRedis` when a Redis URL is
 * configured. With Redis the gateway fails *over*, not open: when Redis is unreachable or slow, each
 * limiter falls back to its in-memory `insuranceLimiter` (per-process counters, same limits), so
 * traffic is still limited and still served; a warning is logged and `rate_limit_store_failures_total`
 * counts the fallback decisions. Once Redis is back the shared counters are used again.
 */
export async function createRateLimitStore(options: RateLimitStoreOptions): Promise<RateLimitStore> {
  const { groups, keyPrefix, redisUrl, logger } = options;
  if (!redisUrl) {
    const limiters = new Map(
      groups.map((g) => [g.name, new RateLimiterMemory({ points: g.points, duration: g.durationSeconds, keyPrefix: `${keyPrefix}:${g.name}` })]),
    );
    return { kind: 'memory', limiter: (name) => limiters.get(name)!, close: async () => undefined };
  }

  // Loaded only here: ioredis costs ~25 MiB and ~0.1 s of start-up that a process without Redis never needs.
  const { Redis } = await import('ioredis');
  const client = new Redis(redisUrl, {
    lazyConnect: true,
    // Fail commands at once while disconnected instead of queueing them behind a reconnect.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: COMMAND_TIMEOUT_MS,
    connectTimeout: CONNECT_TIMEOUT_MS,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  });
  let degraded = false;
  const degrade = (reason: string) => {
    if (degraded) return;
    degraded = true;
    logger.warn({ reason }, 'rate limiting: Redis unavailable, using the in-memory fallback limiter (limits are per process until it is back)');
  };
  // Without a listener ioredis would report every reconnect failure as an unhandled error.
  client.on('error', (err: Error) => degrade(err.message));
  client.on('ready', () => {
    if (degraded) logger.info('rate limiting: Redis is back, limits are shared again');
    degraded = false;
  });
  await Promise.race([client.connect().catch((err: Error) => degrade(err.message)), new Promise((resolve) => setTimeout(resolve, CONNECT_TIMEOUT_MS).unref())]);

  const limiters = new Map(
    groups.map((g) => {
      const common = { points: g.points, duration: g.durationSeconds, keyPrefix: `${keyPrefix}:${g.name}` };
      const insurance = new InsuranceLimiter(common, () => {
        degrade('a Redis call failed');
        options.onStoreFailure(g.name);
      });
      // `rejectIfRedisNotReady`: while disconnected, go straight to the insurance limiter.
      return [g.name, new RateLimiterRedis({ ...common, storeClient: client, rejectIfRedisNotReady: true, insuranceLimiter: insurance })];
    }),
  );
  return {
    kind: 'redis',
    limiter: (name) => limiters.get(name)!,
    close: async () => {
      client.disconnect();
    },
  };
}
