import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { failed, type Tracing } from './tracing.js';

/**
 * A CLIENT span around one outgoing HTTP request, whose context goes upstream in the request's
 * `traceparent`/`tracestate` (replacing the caller's, which is this span's ancestor). With tracing
 * off the headers go as they are, the caller's trace context included.
 */
export async function tracedRequest<R extends { statusCode: number }>(
  tracing: Tracing | undefined,
  method: string,
  url: URL,
  headers: Record<string, string | string[]>,
  send: (headers: Record<string, string | string[]>) => Promise<R>,
): Promise<R> {
  if (!tracing?.enabled) return send(headers);
  const span = tracing.start(method, {
    kind: SpanKind.CLIENT,
    attributes: { 'http.request.method': method, 'url.full': url.href.slice(0, 1024), 'server.address': url.hostname, 'server.port': Number(url.port) || 80 },
  });
  const carrier: Record<string, string> = {};
  tracing.inject(carrier, trace.setSpan(ROOT_CONTEXT, span));
  const { traceparent: _p, tracestate: _s, ...rest } = headers;
  try {
    const answer = await send({ ...rest, ...carrier });
    span.setAttribute('http.response.status_code', answer.statusCode);
    if (answer.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    return answer;
  } catch (err) {
    failed(span, err);
    throw err;
  } finally {
    span.end();
  }
}
