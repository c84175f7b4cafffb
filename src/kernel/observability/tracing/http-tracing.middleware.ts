import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { Context, Next } from 'koa';
import type { Tracing } from './tracing.js';

/**
 * A SERVER span per request, continuing the caller's W3C trace context (`traceparent`,
 * `tracestate`). Mounted outside the request middleware so that its access-log line carries the
 * span's ids. Mounted only when tracing is on. Named by the route template once routing is done, never by the raw path.
 */
export function httpTracingMiddleware(tracing: Tracing) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const span = tracing.start(
      ctx.method,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': ctx.method, 'url.path': ctx.path.slice(0, 512), 'url.scheme': ctx.protocol } },
      tracing.extract(ctx.headers),
    );
    try {
      await tracing.within(span, next);
    } finally {
      const route = (ctx as { _matchedRoute?: string })._matchedRoute;
      if (route) {
        span.setAttribute('http.route', route);
        span.updateName(`${ctx.method} ${route}`);
      }
      span.setAttribute('http.response.status_code', ctx.status);
      if (ctx.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    }
  };
}
