import type { IncomingHttpHeaders } from 'node:http';
import type { Context, Next } from 'koa';
import type { Logger } from 'pino';
import getRawBody from 'raw-body';
import { SERVICE_TOKEN_HEADER, type ServiceTokenIssuer } from '../auth/service-tokens.js';
import { BadRequestError, ServiceUnavailableError } from '../errors/http.errors.js';
import { tracedRequest } from '../observability/tracing/http-client.span.js';
import type { Tracing } from '../observability/tracing/tracing.js';
import type { RouteTable } from './route-table.js';
import type { RouteTemplates } from './route-templates.js';
import { isClientSideError, NoUpstreamError, UnsendableRequestError, type UpstreamPool } from './upstream.pool.js';

/** undici costs ~20 MiB and ~0.1 s of start-up; only a process that reaches others over HTTP loads it. */
let undici: Promise<typeof import('undici')> | undefined;

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
  // The gateway buffers bodies itself; undici refuses to send it.
  'expect',
  SERVICE_TOKEN_HEADER,
]);
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS']);
const MAX_TRIES = 3;
/** Connection failures before any byte of the request left: safe to send elsewhere. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);

function neverSent(err: unknown): boolean {
  const code = (err as { code?: string; cause?: { code?: string } }).code ?? (err as { cause?: { code?: string } }).cause?.code;
  return code !== undefined && NOT_SENT_CODES.has(code);
}
/**
 * Answers up to this size (by their Content-Length) are read whole and sent on in one piece; larger
 * ones, and ones of unknown length, are streamed. Piping every small JSON answer through a stream
 * pipeline cost the gateway a few % of its CPU (the pipeline's AbortController builds a DOMException
 * at the end of each one) and an extra write per answer.
 */
const BUFFER_MAX_BYTES = 256 * 1024;
const NO_BODY_STATUS = new Set([204, 304]);

/** Answers worth trying on another instance, for requests that are safe to repeat. */
const RETRYABLE_STATUS = new Set([502, 503, 504]);

function forwardable(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !NOT_FORWARDED.has(name.toLowerCase())) out[name] = value;
  }
  return out;
}

/**
 * Dot segments (plain or percent-encoded) and backslashes: URL parsing would resolve them to another
 * path than the one the gateway routed and rate-limited, so such paths are refused.
 */
const AMBIGUOUS_PATH = /(?:^|\/)(?:\.|%2e){1,2}(?:\/|$)|\\/i;

/**
 * The URL a request goes to on an instance: the instance's origin with the request's parsed path and
 * query, never the raw request target (which a client may send in absolute form,
 * `GET http://host/path`, RFC 9112 §3.2.2). Anything that cannot be built is the client's fault (400),
 * raised before an instance is even chosen.
 */
export function upstreamUrl(base: string, path: string, querystring: string): URL {
  if (!path.startsWith('/') || AMBIGUOUS_PATH.test(path)) throw new BadRequestError('The request path is not a plain absolute path.');
  let url: URL;
  try {
    url = new URL(`${base}${path}${querystring ? `?${querystring}` : ''}`);
  } catch {
    throw new BadRequestError('The request target is not a valid path.');
  }
  if (url.origin !== new URL(base).origin) throw new BadRequestError('The request target is not a valid path.');
  return url;
}

export interface ProxyOptions {
  routes: RouteTable;
  pools: ReadonlyMap<string, UpstreamPool>;
  serviceTokens: ServiceTokenIssuer;
  timeoutMs: number;
  bodyLimit: string;
  logger: Logger;
  /** A client span per attempt, its context sent upstream. */
  tracing?: Tracing;
  /** Names forwarded requests by route template in metrics and spans. */
  templates?: RouteTemplates;
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
    // Where koa-router leaves the template of the routes it matches (read by the request metrics and spans).
    const template = options.templates?.match(ctx.path);
    if (template) (ctx as { _matchedRoute?: string })._matchedRoute = template;

    const headers = {
      ...forwardable(ctx.headers),
      [SERVICE_TOKEN_HEADER]: await options.serviceTokens.tokenFor(module),
      'x-request-id': ctx.response.get('x-request-id'),
      // The chain as far as this process believes it, ending with the client (see trust-proxy.ts):
      // the module process takes its last entry as the client address.
      'x-forwarded-for': ((ctx.state.forwardedFor as string[] | undefined) ?? [ctx.get('x-forwarded-for'), ctx.ip].filter(Boolean)).join(', '),
      'x-forwarded-proto': ctx.protocol,
    };
    // Built for every candidate before any is used: a bad target must never reach a breaker.
    const candidates = pool.candidates().slice(0, MAX_TRIES);
    const targets = candidates.map((upstream) => upstreamUrl(upstream.url, ctx.path, ctx.querystring));
    const safe = IDEMPOTENT.has(ctx.method);
    // Buffered (within the body limit) so that a request refused by a dead instance can go to the next.
    const body = safe ? undefined : await getRawBody(ctx.req, { limit: options.bodyLimit });
    for (const [i, upstream] of candidates.entries()) {
      try {
        const res = await pool.execute(upstream, async () => {
          undici ??= import('undici');
          const { request } = await undici;
          const answer = await tracedRequest(options.tracing, ctx.method, targets[i]!, headers, (sent) =>
            request(targets[i]!, {
              method: ctx.method as 'GET',
              headers: sent,
              body,
              headersTimeout: options.timeoutMs,
              bodyTimeout: options.timeoutMs,
            }),
          ).catch((err: unknown) => {
            // Raised while undici put the request together: nothing left, and not the instance's fault.
            throw isClientSideError(err) ? new UnsendableRequestError((err as Error).message, { cause: err }) : err;
          });
          if (safe && RETRYABLE_STATUS.has(answer.statusCode)) {
            await answer.body.dump();
            throw new Error(`upstream answered ${answer.statusCode}`);
          }
          return answer;
        });
        const length = Number(res.headers['content-length']);
        // HEAD and 204/304 have no body to pass on; an unread undici body left to koa would be
        // destroyed when the answer ends and raise an unhandled AbortError.
        const bodiless = ctx.method === 'HEAD' || NO_BODY_STATUS.has(res.statusCode);
        const buffered = !bodiless && Number.isInteger(length) && length <= BUFFER_MAX_BYTES;
        // Read before anything is set, so a body cut short is a failed attempt like any other.
        let answerBody: Buffer | typeof res.body | undefined;
        if (bodiless) await res.body.dump();
        else answerBody = buffered ? Buffer.from(await res.body.arrayBuffer()) : res.body;
        ctx.status = res.statusCode;
        for (const [name, value] of Object.entries(res.headers)) {
          const lower = name.toLowerCase();
          if (value === undefined || NOT_FORWARDED.has(lower)) continue;
          // koa sets Content-Length from the body it sends; a HEAD answer keeps the upstream's.
          if (lower === 'content-length' && ctx.method !== 'HEAD') continue;
          ctx.set(name, value);
        }
        if (answerBody !== undefined) ctx.body = answerBody;
        return;
      } catch (err) {
        if (err instanceof UnsendableRequestError) {
          options.logger.info({ module, err }, 'request refused: it cannot be relayed as sent');
          throw new BadRequestError('The request cannot be relayed as sent.');
        }
        if (!(err instanceof NoUpstreamError)) options.logger.warn({ module, upstream: upstream.url, err }, 'upstream request failed');
        // An unsafe request may be repeated elsewhere only if it provably never reached this instance.
        if (!safe && !(err instanceof NoUpstreamError) && !neverSent(err)) break;
      }
    }
    ctx.set('Retry-After', '5');
    throw new ServiceUnavailableError(`The ${module} service is unavailable; try again shortly.`);
  };
}
