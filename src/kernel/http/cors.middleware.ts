import type { Context, Next } from 'koa';

export interface CorsOptions {
  /** Exact origins (`https://shop.example`) allowed to call the API from a browser; `*` allows any. None: no CORS. */
  origins: readonly string[];
}

const ALLOW_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE';
const ALLOW_HEADERS = 'Authorization, Content-Type, Idempotency-Key, X-Request-Id';
const EXPOSE_HEADERS = 'Location, Retry-After, RateLimit, RateLimit-Policy, X-Request-Id';
const MAX_AGE_SECONDS = '600';

/**
 * CORS from configuration. Only listed origins get `Access-Control-*` headers; a preflight from one
 * is answered here (204) before authentication or rate limiting; any other origin gets no CORS
 * header at all, so the browser refuses it. Bearer tokens, not cookies: no credentials mode.
 */
export function corsMiddleware(options: CorsOptions) {
  const any = options.origins.includes('*');
  const allowed = new Set(options.origins.filter((o) => o !== '*').map((o) => o.replace(/\/+$/, '').toLowerCase()));
  return async (ctx: Context, next: Next): Promise<void> => {
    const origin = ctx.get('origin');
    if (!any) ctx.vary('Origin');
    if (!origin || !(any || allowed.has(origin.toLowerCase()))) {
      await next();
      return;
    }
    ctx.set('Access-Control-Allow-Origin', any ? '*' : origin);
    if (ctx.method === 'OPTIONS' && ctx.get('access-control-request-method')) {
      ctx.set('Access-Control-Allow-Methods', ALLOW_METHODS);
      ctx.set('Access-Control-Allow-Headers', ALLOW_HEADERS);
      ctx.set('Access-Control-Max-Age', MAX_AGE_SECONDS);
      ctx.status = 204;
      return;
    }
    ctx.set('Access-Control-Expose-Headers', EXPOSE_HEADERS);
    await next();
  };
}
