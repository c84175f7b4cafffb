import 'reflect-metadata';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { container as rootContainer } from 'tsyringe';
import { AccessTokenSigner } from '../kernel/auth/access-token.signer.js';
import type { AppConfig } from '../kernel/config/config.schema.js';
import { EventBus } from '../kernel/events/event-bus.js';
import { RouteTable } from '../kernel/gateway/route-table.js';
import type { ApiRoute } from '../kernel/http/api-route.js';
import { createHttpApp, metricsListener } from '../kernel/http/http-app.factory.js';
import { answerClientError, httpServerOptions } from '../kernel/http/server-options.js';
import { createRateLimit } from '../kernel/http/rate-limit/rate-limit.factory.js';
import type { ModuleDefinition } from '../kernel/module.js';
import { upStandsFor, type HealthCheck } from '../kernel/observability/health.js';
import type { DestinationStream } from 'pino';
import { createLogger, type Logger } from '../kernel/observability/logger.factory.js';
import { Metrics } from '../kernel/observability/metrics.js';
import { registerConsumerLag } from '../kernel/events/consumer-lag.metrics.js';
import { registerOutboxBacklog } from '../kernel/events/outbox-backlog.metrics.js';
import { registerUpstreams } from '../kernel/observability/upstream.metrics.js';
import { BusinessMetrics } from './business.metrics.js';
import { RequestContext } from '../kernel/observability/request-context.js';
import { EventTracing } from '../kernel/events/event-tracing.js';
import { createTracing } from '../kernel/observability/tracing/tracer-provider.factory.js';
import type { Tracing } from '../kernel/observability/tracing/tracing.js';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { describeApi } from './api.catalogue.js';
import { ALL_MODULES } from './module.registry.js';
import { selectModules } from './module.selector.js';
import { createVerifier, loadSigningKeys } from './signing.selector.js';
import { StartupError } from './startup.error.js';
import { composeEdge } from './edge.composer.js';
import { hostModule, publisherIndex, type HostedModule } from './module.host.js';
import { selectTransport } from './transport.selector.js';

/** How long `kill` lets connections close before it returns regardless. */
const KILL_GRACE_MS = 500;

export interface System {
  readonly config: AppConfig;
  readonly logger: Logger;
  readonly tracing: Tracing;
  readonly bus: EventBus;
  readonly modules: ReadonlyMap<string, HostedModule>;
  /** Serves HTTP on the configured host and port; resolves with the bound URL. */
  listen(): Promise<string>;
  /** Where `/metrics` is served when it has a port of its own (`METRICS_PORT`), once listening. */
  readonly metricsUrl: string | undefined;
  /** Graceful: refuse new work, let in-flight requests and relayed events finish, close databases. */
  stop(): Promise<void>;
  /** Abrupt, for crash tests: drop connections and databases without draining anything. */
  kill(): Promise<void>;
  readonly app: ReturnType<typeof createHttpApp>;
}

export interface SystemOptions {
  /** The modules this codebase has; tests pass fixture modules. */
  available?: readonly ModuleDefinition[];
  /** Where log lines go instead of stdout (tests capture them). */
  logDestination?: DestinationStream;
  /** Also receives every span, synchronously (tests: an in-memory exporter); turns tracing on. */
  spanExporter?: SpanExporter;
}

/**
 * The composition root: the one place that turns configuration into a running process — which
 * modules, which databases, which transport, which keys — and wires them together.
 */
export async function createSystem(config: AppConfig, options: SystemOptions = {}): Promise<System> {
  const available = options.available ?? ALL_MODULES;
  const selection = selectModules(config.modules, available);
  const names = selection.modules.map((m) => m.name);
  const requests = new RequestContext();
  const roles = [...names, ...(selection.gateway ? ['gateway'] : [])];
  const tracing = await createTracing(config.tracing, {
    defaultServiceName: selection.hostsEverything ? 'mercato' : `mercato-${roles.join('-')}`,
    attributes: { 'mercato.modules': roles.join(',') },
    ...(options.spanExporter ? { exporter: options.spanExporter } : {}),
  });
  const logger = createLogger(config.log, requests, options.logDestination, tracing.enabled ? () => tracing.logFields() : undefined);
  const metrics = new Metrics();
  const transport = await selectTransport(config, selection.hostsEverything, roles, logger);
  const bus = new EventBus(
    transport,
    { intervalMs: config.events.relayIntervalMs, batchSize: config.events.relayBatchSize, lingerMs: config.events.kafka.lingerMs },
    config.events.retention,
    logger,
    new EventTracing(tracing, transport.name),
  );

  const issuer = available.find((m) => m.issuesTokens)?.name;
  const keys = selection.modules.some((m) => m.issuesTokens) ? await loadSigningKeys(config) : undefined;
  const verifier = await createVerifier(config, keys, issuer);
  const edge = await composeEdge(config, selection, available, !transport.pipelined, logger, tracing);
  // Only a process that serves the public (the one hosting the gateway) limits request rates.
  const rateLimit = selection.gateway ? await createRateLimit(config, verifier, metrics, logger) : undefined;
  const routeTable = new RouteTable(available);

  const root = rootContainer.createChildContainer();
  const signing = keys && {
    keys,
    signer: new AccessTokenSigner(keys, { issuer: config.auth.issuer, audience: config.auth.audience, ttlSeconds: config.auth.accessTokenTtlSeconds }),
  };

  const business = new BusinessMetrics(metrics.registry);
  const publishers = publisherIndex(available);
  const hosted = new Map<string, HostedModule>();
  const routes: ApiRoute[] = [];
  const health: HealthCheck[] = [upStandsFor({ name: `bus:${transport.name}`, check: () => bus.healthy() })];
  try {
    for (const definition of selection.modules) {
      const module = await hostModule(definition, {
        config,
        root,
        bus,
        metrics,
        logger,
        publishers,
        routeTable,
        requests,
        committed: business.observe,
        ...(signing ? { signing } : {}),
      });
      hosted.set(definition.name, module);
      routes.push(...module.routes);
      health.push(module.health);
    }
    await bus.start().catch((err: unknown) => {
      throw new StartupError(`the ${transport.name} event bus did not start: ${(err as Error).message}`);
    });
    for (const { definition, container } of hosted.values()) await definition.start?.(container);
  } catch (err) {
    await Promise.allSettled([...hosted.values()].map((m) => m.orm.close(true)));
    await rateLimit?.close();
    throw err;
  }

  registerOutboxBacklog(
    metrics.registry,
    [...hosted.entries()].map(([name, m]) => ({ name, orm: m.orm })),
  );
  // Registered in every process (empty where there is no gateway or broker), so every process
  // describes the same metric names.
  registerUpstreams(metrics.registry, edge.instances ?? (() => []));
  registerConsumerLag(metrics.registry, () => transport.lag?.() ?? []);

  let draining = false;
  let server: Server | undefined;
  routes.push(...edge.routes);
  await edge.start();
  verifier.prefetchKeys();
  const app = createHttpApp({
    logger,
    requests,
    metrics,
    tracing,
    verifier,
    routes,
    health,
    guards: [...(rateLimit?.guards ?? []), ...edge.guards],
    ...(selection.gateway ? { trustProxy: config.http.trustProxy } : {}),
    bodyLimit: config.http.bodyLimit,
    corsOrigins: config.http.cors.origins,
    adminAllowList: config.http.adminAllowList,
    maxJsonDepth: config.http.maxJsonDepth,
    metricsRoute: config.http.metricsPort === undefined,
    draining: () => draining,
    // The whole API, whichever modules this process hosts: a gateway describes what it forwards.
    documents: describeApi(available),
    docsPage: config.docs.enabled,
  });
  let metricsServer: Server | undefined;
  let metricsUrl: string | undefined;

  const closeOne = async (target: Server | undefined, force: boolean) => {
    if (!target?.listening) return;
    const closed = once(target, 'close');
    target.close();
    if (force) target.closeAllConnections();
    else target.closeIdleConnections();
    await closed;
  };
  const closeServer = async (force: boolean) => {
    await Promise.all([closeOne(server, force), closeOne(metricsServer, true)]);
  };

  const stopModules = async () => {
    for (const { definition, container } of hosted.values()) await definition.stop?.(container);
  };

  return {
    config,
    logger,
    tracing,
    bus,
    modules: hosted,
    app,
    get metricsUrl() {
      return metricsUrl;
    },
    async listen() {
      if (config.http.metricsPort !== undefined) {
        metricsServer = createServer(metricsListener(metrics));
        metricsServer.listen(config.http.metricsPort, config.http.host);
        await once(metricsServer, 'listening');
        metricsUrl = `http://${config.http.host}:${(metricsServer.address() as AddressInfo).port}`;
      }
      server = createServer(httpServerOptions(config.http), app.callback());
      server.on('clientError', answerClientError);
      server.listen(config.http.port, config.http.host);
      await once(server, 'listening');
      const { port } = server.address() as AddressInfo;
      const url = `http://${config.http.host}:${port}`;
      logger.info({ url, modules: names, gateway: selection.gateway, transport: transport.name }, 'mercato listening');
      return url;
    },
    async stop() {
      draining = true;
      await closeServer(false);
      edge.stop();
      verifier.stop();
      await rateLimit?.close();
      await stopModules();
      await bus.stop();
      await Promise.all([...hosted.values()].map((m) => m.orm.close()));
      // The spans of the last requests and events leave before the process does.
      await tracing.shutdown().catch((err: unknown) => logger.warn({ err }, 'could not export the last spans'));
      logger.info('mercato stopped');
      logger.flush();
    },
    async kill() {
      draining = true;
      await closeServer(true);
      edge.stop();
      verifier.stop();
      void rateLimit?.close();
      bus.halt();
      // A crash waits for nothing: work still in flight is abandoned, not drained.
      const abandoned = Promise.allSettled([stopModules(), transport.stop(), ...[...hosted.values()].map((m) => m.orm.close(true))]);
      await Promise.race([abandoned, new Promise((resolve) => setTimeout(resolve, KILL_GRACE_MS).unref())]);
    },
  };
}
