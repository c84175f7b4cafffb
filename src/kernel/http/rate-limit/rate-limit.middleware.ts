import type { Context, Middleware, Next } from 'koa';
import { RateLimiterRes } from 'rate-limiter-flexible';
import type { AccessTokenVerifier } from '../../auth/access-token.verifier.js';
import { HttpError } from '../../errors/http.errors.js';
import { isExempt, matchGroup, rateLimitHeaders, type RateLimitGroup } from './rate-limit.policy.js';
import type { RateLimitStore } from './rate-limit.store.js';

export interface RateLimitMiddlewareOptions {
  groups: readonly RateLimitGroup[];
  store: RateLimitStore;
  verifier: AccessTokenVerifier;
}

const BEARER = /^Bearer\s+(\S+)$/i;

/**
 * Who a request is counted against: the authenticated user (the `sub` of a valid bearer token) or,
 * for anonymous requests and invalid tokens, the client IP. The IP is the socket peer (`ctx.ip`
 * without trusting `X-Forwarded-For`, which any client can set).
 */
async function clientKey(ctx: Context, verifier: AccessTokenVerifier, by: RateLimitGroup['by']): Promise<string> {
  const token = by === 'client' ? BEARER.exec(ctx.get('authorization'))?.[1] : undefined;
  if (token) {
    try {
      return `user:${(await verifier.verify(token)).subject}`;
    } catch {
      // an invalid token is anonymous here; the route itself answers 401
    }
  }
  return `ip:${ctx.ip}`;
}

/**
 * Rate limiting at the public edge: each request is counted in the first configured route group it
 * matches; over the budget it is answered 429 with `Retry-After` and the `RateLimit` headers, and
 * every counted response carries the `RateLimit` / `RateLimit-Policy` headers too.
 */
export function rateLimitMiddleware(options: RateLimitMiddlewareOptions): Middleware {
  const { groups, store, verifier } = options;
  return async (ctx: Context, next: Next) => {
    if (isExempt(ctx.path)) return next();
    const group = matchGroup(groups, ctx.method, ctx.path);
    if (!group) return next();
    const key = await clientKey(ctx, verifier, group.by);
    let res: RateLimiterRes;
    try {
      res = await store.limiter(group.name).consume(key);
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      const retryAfter = Math.max(1, Math.ceil(err.msBeforeNext / 1000));
      throw new HttpError(429, 'Too Many Requests', `Too many requests; retry in ${retryAfter} s.`, undefined, {
        'Retry-After': String(retryAfter),
        ...rateLimitHeaders(group, 0, err.msBeforeNext),
      });
    }
    for (const [name, value] of Object.entries(rateLimitHeaders(group, res.remainingPoints, res.msBeforeNext))) ctx.set(name, value);
    return next();
  };
}
