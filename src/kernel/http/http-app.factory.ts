import type { IncomingMessage, ServerResponse } from 'node:http';
import Koa, { type Middleware } from 'koa';
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Logger } from 'pino';
import type { AccessTokenVerifier } from '../auth/access-token.verifier.js';
import { runHealthChecks, type HealthCheck } from '../observability/health.js';
import type { Metrics } from '../observability/metrics.js';
import type { RequestContext } from '../observability/request-context.js';
import { httpTracingMiddleware } from '../observability/tracing/http-tracing.middleware.js';
import type { Tracing } from '../observability/tracing/tracing.js';
import { AdminAllowList } from './admin-allowlist.middleware.js';
import { implement, type ApiRoute } from './api-route.js';
import { corsMiddleware } from './cors.middleware.js';
import { DOCS_CONTENT_SECURITY_POLICY, DocsPage } from './docs.page.js';
import { NotFoundError } from '../errors/http.errors.js';
import { decodingErrorsAsBadRequest, jsonGuard } from './json-guard.js';
import { problemMiddleware } from './problem.middleware.js';
import { requestMiddleware, securityHeaders } from './request.middleware.js';
import { mountRoutes } from './route.mounter.js';
import { systemApi } from './system.api.js';
import { trustProxyMiddleware, type TrustProxy } from './trust-proxy.js';

export interface HttpAppOptions {
  logger: Logger;
  requests: RequestContext;
  metrics: Metrics;
  /** Server spans for every request when tracing is on. */
  tracing?: Tracing;
  verifier: AccessTokenVerifier;
  routes: readonly ApiRoute[];
  health: readonly HealthCheck[];
  bodyLimit: string;
  /** Browser origins allowed by CORS (`http.cors.origins`); none by default. */
  corsOrigins?: readonly string[];
  /** IPs/CIDRs admin routes accept calls from (`http.adminAllowList`); empty allows all. */
  adminAllowList?: readonly string[];
  /**
   * Proxies believed about the client address (`http.trustProxy`), in a process that serves the
   * public; unset: `ctx.ip` stays the socket peer (a module process behind the gateway takes it
   * from the gateway's service-token requests instead).
   */
  trustProxy?: TrustProxy;
  /** Deepest nesting a JSON body may have; deeper bodies get 400 (default 32). */
  maxJsonDepth?: number;
  /**
   * Run before the body is parsed, after ids and error handling: the gateway's proxy (which
   * streams bodies on) or a module process's zero-trust check.
   */
  guards?: readonly Middleware[];
  /** Whether `/metrics` is served here (false when it has a port of its own). Default true. */
  metricsRoute?: boolean;
  /** Whether the process is shutting down: readiness fails so load balancers stop sending. */
  draining: () => boolean;
  /** The API's OpenAPI and AsyncAPI documents, served at `/api/openapi.json` and `/api/asyncapi.json`. */
  documents: { openapi: object; asyncapi: object };
  /** Whether `/docs` serves the reference page (`docs.enabled`). */
  docsPage: boolean;
}

const PAGE_OFF = 'The reference page is off (docs.enabled, API_DOCS_ENABLED).';

/**
 * The server of `METRICS_PORT`: `GET /metrics` and nothing else (no routes, no tokens; the port is
 * meant to be reachable by the scraper only).
 */
export function metricsListener(metrics: Metrics): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    metrics.registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' }).end(req.method === 'HEAD' ? undefined : text),
      () => res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n'),
    );
  };
}

/** Probes, metrics, the API documents and the reference page (404 while it is off). */
function systemRoutes(options: HttpAppOptions): ApiRoute[] {
  const docs = new DocsPage();
  return implement(systemApi, {
    getLiveness: async () => ({ body: { status: 'ok' } }),
    getReadiness: async () => {
      const report = await runHealthChecks(options.health);
      const ready = report.status === 'ok' && !options.draining();
      return { status: ready ? 200 : 503, body: ready ? report : { ...report, status: 'unavailable' } };
    },
    getMetrics: async () => {
      if (!(options.metricsRoute ?? true)) throw new NotFoundError('Metrics are served on the metrics port (METRICS_PORT).');
      return { body: await options.metrics.registry.metrics(), headers: { 'Content-Type': options.metrics.registry.contentType } };
    },
    getOpenApiDocument: async () => ({ body: options.documents.openapi }),
    getAsyncApiDocument: async () => ({ body: options.documents.asyncapi }),
    getApiReference: async () => {
      if (!options.docsPage) throw new NotFoundError(PAGE_OFF);
      return { body: docs.html(), headers: { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': DOCS_CONTENT_SECURITY_POLICY } };
    },
    getApiReferenceAsset: async ({ params }) => {
      if (!options.docsPage) throw new NotFoundError(PAGE_OFF);
      const asset = docs.asset(params.asset);
      if (!asset) throw new NotFoundError(`The reference page has no ${params.asset}.`);
      return { body: asset.body, headers: { 'Content-Type': asset.type, 'Cache-Control': 'public, max-age=3600' } };
    },
  });
}

/** The koa application of one process: the routes of the modules it hosts plus operations routes. */
export function createHttpApp(options: HttpAppOptions): Koa {
  const app = new Koa();
  app.silent = true;
  const router = new Router();
  mountRoutes(router, [...systemRoutes(options), ...options.routes], options.verifier, new AdminAllowList(options.adminAllowList ?? []));

  if (options.tracing?.enabled) app.use(httpTracingMiddleware(options.tracing));
  app.use(requestMiddleware(options.logger, options.requests, options.metrics));
  app.use(problemMiddleware(options.logger));
  if (options.trustProxy) app.use(trustProxyMiddleware(options.trustProxy));
  app.use(securityHeaders);
  app.use(corsMiddleware({ origins: options.corsOrigins ?? [] }));
  for (const guard of options.guards ?? []) app.use(guard);
  app.use(decodingErrorsAsBadRequest(bodyParser({ enableTypes: ['json'], jsonLimit: options.bodyLimit, jsonStrict: true })));
  app.use(jsonGuard(options.maxJsonDepth ?? 32));
  app.use(router.routes());
  // Not `throw: true`: the thrown error would lose the Allow header a 405 must carry (RFC 9110 §15.5.6);
  // the problem middleware turns the bare status into a problem document.
  app.use(router.allowedMethods());
  return app;
}
