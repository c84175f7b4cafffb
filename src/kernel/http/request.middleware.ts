import { randomUUID } from 'node:crypto';
import type { Context, Next } from 'koa';
import type { Logger } from 'pino';
import type { Metrics } from '../observability/metrics.js';
import type { RequestContext } from '../observability/request-context.js';

/** Paths are logged truncated: a client chooses their length. */
const MAX_LOGGED_PATH = 512;
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Gives each request an id (the caller's `X-Request-Id` when it is sane), makes it visible to
 * every log line written while serving the request, and records the access log and metrics.
 */
export function requestMiddleware(logger: Logger, requests: RequestContext, metrics: Metrics) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const incoming = ctx.get('x-request-id');
    const requestId = REQUEST_ID.test(incoming) ? incoming : randomUUID();
    ctx.set('X-Request-Id', requestId);
    const started = process.hrtime.bigint();
    await requests.run({ requestId }, async () => {
      try {
        await next();
      } finally {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        const route = (ctx as { _matchedRoute?: string })._matchedRoute ?? 'unmatched';
        metrics.httpRequests.observe({ method: ctx.method, route, status: String(ctx.status) }, seconds);
        logger.info({ method: ctx.method, path: ctx.path.slice(0, MAX_LOGGED_PATH), status: ctx.status, ms: Math.round(seconds * 1000) }, 'request');
      }
    });
  };
}

/**
 * Headers every response carries; there is no HTML here, so the CSP forbids everything (no
 * script, style, frame, form target or base URI) and no response may be sniffed into another type.
 */
export async function securityHeaders(ctx: Context, next: Next): Promise<void> {
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
  ctx.set('Referrer-Policy', 'no-referrer');
  ctx.set('Cache-Control', 'no-store');
  // Browsers honour it only over HTTPS (the TLS proxy in front); on plain HTTP it is ignored.
  ctx.set('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
  ctx.remove('X-Powered-By');
  try {
    await next();
  } finally {
    // Nothing downstream (a proxied upstream response included) may announce the software.
    ctx.remove('X-Powered-By');
    ctx.remove('Server');
  }
}
