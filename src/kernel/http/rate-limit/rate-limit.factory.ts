import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import type { AccessTokenVerifier } from '../../auth/access-token.verifier.js';
import type { AppConfig } from '../../config/config.schema.js';
import type { Metrics } from '../../observability/metrics.js';
import { rateLimitMiddleware } from './rate-limit.middleware.js';
import { createRateLimitStore } from './rate-limit.store.js';

export interface RateLimit {
  /** Empty when rate limiting is disabled. */
  guards: Middleware[];
  close(): Promise<void>;
}

/** The rate limit of a process that serves the public (the one hosting the gateway). */
export async function createRateLimit(config: AppConfig, verifier: AccessTokenVerifier, metrics: Metrics, logger: Logger): Promise<RateLimit> {
  const settings = config.rateLimit;
  if (!settings.enabled) return { guards: [], close: async () => undefined };
  const store = await createRateLimitStore({
    groups: settings.groups,
    keyPrefix: settings.keyPrefix,
    ...(config.redis.url ? { redisUrl: config.redis.url } : {}),
    logger: logger.child({ component: 'rate-limit' }),
    onStoreFailure: (group) => metrics.rateLimitStoreFailures.inc({ group }),
  });
  logger.info({ store: store.kind, groups: settings.groups.map((g) => g.name) }, 'rate limiting enabled');
  return { guards: [rateLimitMiddleware({ groups: settings.groups, store, verifier })], close: () => store.close() };
}
