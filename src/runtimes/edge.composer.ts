import type { Middleware } from 'koa';
import { ServiceTokenIssuer, ServiceTokenVerifier } from '../kernel/auth/service-tokens.js';
import { zeroTrustMiddleware } from '../kernel/auth/zero-trust.middleware.js';
import type { AppConfig } from '../kernel/config/config.schema.js';
import { proxyMiddleware } from '../kernel/gateway/proxy.middleware.js';
import { RouteTable } from '../kernel/gateway/route-table.js';
import { RouteTemplates } from '../kernel/gateway/route-templates.js';
import { UpstreamPool } from '../kernel/gateway/upstream.pool.js';
import { gatewayApi } from '../kernel/gateway/gateway.api.js';
import { implement, type ApiRoute } from '../kernel/http/api-route.js';
import { NotFoundError } from '../kernel/errors/http.errors.js';
import type { ModuleDefinition } from '../kernel/module.js';
import type { Logger } from '../kernel/observability/logger.factory.js';
import { NO_TRACING, type Tracing } from '../kernel/observability/tracing/tracing.js';
import type { UpstreamInstance } from '../kernel/observability/upstream.metrics.js';
import type { ModuleSelection } from './module.selector.js';
import { loadServiceSigningKeys, serviceTokenSource } from './signing.selector.js';
import { StartupError } from './startup.error.js';

/** How a process meets the network: as the gateway, as a module behind one, or as everything. */
export interface Edge {
  guards: Middleware[];
  routes: ApiRoute[];
  /** Resolves once the gateway knows its upstream instances (bounded by the health timeouts). */
  start(): Promise<void>;
  stop(): void;
  /** The gateway's upstream instances, for metrics. */
  instances?: () => UpstreamInstance[];
}

/** Processes that are not a split deployment's gateway sign no service tokens: their key set is not found. */
const NO_SERVICE_KEYS = implement(gatewayApi, {
  getServiceJwks: async () => {
    throw new NotFoundError('This process signs no service tokens: only the gateway of a split deployment does.');
  },
});
const NO_EDGE: Edge = { guards: [], routes: NO_SERVICE_KEYS, start: async () => undefined, stop: () => undefined };

export async function composeEdge(
  config: AppConfig,
  selection: ModuleSelection,
  available: readonly ModuleDefinition[],
  distributed: boolean,
  logger: Logger,
  tracing: Tracing = NO_TRACING,
): Promise<Edge> {
  if (selection.hostsEverything) return NO_EDGE;
  if (selection.gateway) return gatewayEdge(config, selection, available, logger, tracing);
  // Behind a gateway (a split deployment over a broker), nobody is trusted for reaching the port.
  if (!distributed) return NO_EDGE;
  const services = new ServiceTokenVerifier(
    await serviceTokenSource(config),
    selection.modules.map((m) => m.name),
  );
  return {
    ...NO_EDGE,
    guards: [zeroTrustMiddleware(services)],
    start: async () => services.prefetchKeys(),
    stop: () => services.stop(),
  };
}

async function gatewayEdge(
  config: AppConfig,
  selection: ModuleSelection,
  available: readonly ModuleDefinition[],
  logger: Logger,
  tracing: Tracing,
): Promise<Edge> {
  const hosted = new Set(selection.modules.map((m) => m.name));
  const remote = available.filter((m) => !hosted.has(m.name));
  const missing = remote.filter((m) => !config.serviceUrls[m.name]?.length);
  if (missing.length > 0) {
    throw new StartupError(
      `the gateway needs the address of every module it does not host: set ${missing.map((m) => `SERVICE_URLS_${m.name.toUpperCase()}`).join(', ')}`,
    );
  }
  const pools = new Map(remote.map((m) => [m.name, new UpstreamPool(m.name, config.serviceUrls[m.name]!, config.gateway, logger.child({ upstream: m.name }))]));
  const keys = await loadServiceSigningKeys(config);
  const proxy = proxyMiddleware({
    routes: new RouteTable(available),
    pools,
    serviceTokens: new ServiceTokenIssuer(keys),
    timeoutMs: config.gateway.upstreamTimeoutMs,
    bodyLimit: config.http.bodyLimit,
    logger,
    tracing,
    templates: new RouteTemplates(remote.flatMap((m) => m.api.map((o) => o.path))),
  });
  const routes = implement(gatewayApi, {
    getServiceJwks: async () => ({ body: keys.jwks(), headers: { 'Cache-Control': 'public, max-age=300' } }),
  });
  return {
    guards: [proxy],
    routes,
    start: async () => {
      await Promise.all([...pools.values()].map((p) => p.start()));
    },
    stop: () => {
      for (const p of pools.values()) p.stop();
    },
    instances: () => [...pools.values()].flatMap((p) => p.instances().map((i) => ({ module: p.module, ...i }))),
  };
}
