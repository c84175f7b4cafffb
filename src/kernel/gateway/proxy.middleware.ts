import type { IncomingHttpHeaders } from 'node:http';
import type { Context, Next } from 'koa';
import type { Logger } from 'pino';
import { request } from 'undici';
import { SERVICE_TOKEN_HEADER, type ServiceTokenIssuer } from '../auth/service-tokens.js';
import { ServiceUnavailableError } from '../http/http.errors.js';
import type { RouteTable } from './route-table.js';
import { NoUpstreamError, type UpstreamPool } from './upstream.pool.js';

/** Hop-by-hop headers (RFC 9110 §7.6.1) and ones the proxy sets itself. */
const NOT_FORWARDED = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  SERVICE_TOKEN_HEADER,
]);
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Answers worth trying on another instance, for requests that are safe to repeat. */
const RETRYABLE_STATUS = new Set([502, 503, 504]);

function forwardable(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !NOT_FORWARDED.has(name.toLowerCase())) out[name] = value;
  }
  return out;
}

export interface ProxyOptions {
  routes: RouteTable;
  pools: ReadonlyMap<string, UpstreamPool>;
  serviceTokens: ServiceTokenIssuer;
  timeoutMs: number;
  logger: Logger;
}

/**
 * Forwards requests for modules this process does not host to a process that does. Safe methods
 * are retried on another instance; others are sent once, since repeating them could repeat their
 * effect. No usable instance, or none answering in time, is a 503 problem, never a hang.
 */
export function proxyMiddleware(options: ProxyOptions) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const module = options.routes.moduleFor(ctx.path);
    const pool = module ? options.pools.get(module) : undefined;
    if (!module || !pool) return next();

    const headers = {
      ...forwardable(ctx.headers),
      [SERVICE_TOKEN_HEADER]: await options.serviceTokens.tokenFor(module),
      'x-request-id': ctx.response.get('x-request-id'),
      'x-forwarded-for': [ctx.get('x-forwarded-for'), ctx.ip].filter(Boolean).join(', '),
      'x-forwarded-proto': ctx.protocol,
    };
    const retryable = IDEMPOTENT.has(ctx.method);
    const candidates = pool.candidates().slice(0, retryable ? 3 : 1);
    for (const upstream of candidates) {
      try {
        const res = await pool.execute(upstream, async () => {
          const answer = await request(`${upstream.url}${ctx.url}`, {
            method: ctx.method as 'GET',
            headers,
            body: retryable ? undefined : ctx.req,
            headersTimeout: options.timeoutMs,
            bodyTimeout: options.timeoutMs,
          });
          // A 5xx from the instance counts against its breaker.
          if (answer.statusCode >= 500) {
            if (retryable && RETRYABLE_STATUS.has(answer.statusCode)) {
              await answer.body.dump();
              throw new Error(`upstream answered ${answer.statusCode}`);
            }
          }
          return answer;
        });
        ctx.status = res.statusCode;
        for (const [name, value] of Object.entries(res.headers)) {
          if (value !== undefined && !NOT_FORWARDED.has(name.toLowerCase()) && name.toLowerCase() !== 'content-length') ctx.set(name, value);
        }
        ctx.body = res.body;
        return;
      } catch (err) {
        if (!(err instanceof NoUpstreamError)) options.logger.warn({ module, upstream: upstream.url, err }, 'upstream request failed');
      }
    }
    ctx.set('Retry-After', '5');
    throw new ServiceUnavailableError(`The ${module} service is unavailable; try again shortly.`);
  };
}
