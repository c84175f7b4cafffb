import type { MikroORM } from '@mikro-orm/core';
import type { AccessTokenSigner } from '../kernel/auth/access-token.signer.js';
import type { SigningKeySet } from '../kernel/auth/signing-keys.js';
import type { DependencyContainer } from 'tsyringe';
import type { AppConfig } from '../kernel/config/config.schema.js';
import type { ModuleEnvironment } from '../kernel/config/module-config.js';
import { databaseTargetFor } from '../kernel/db/module-orm.factory.js';
import { createModuleDatabase } from '../kernel/events/module-database.factory.js';
import { UnitOfWork } from '../kernel/events/unit-of-work.js';
import { DeadLetterService } from '../kernel/events/dead-letter.service.js';
import { deadLetterRoutes } from '../kernel/events/dead-letter.routes.js';
import type { EventBus } from '../kernel/events/event-bus.js';
import type { EventEnvelope } from '../kernel/events/event-envelope.js';
import { resolveSubscriptions } from '../kernel/events/event-handler.js';
import { EventConsumer } from '../kernel/events/event.consumer.js';
import { SqlEventTables } from '../kernel/events/sql.event-tables.js';
import type { RouteTable } from '../kernel/gateway/route-table.js';
import type { ApiOperation, ApiRoute } from '../kernel/http/api-route.js';
import type { ModuleDefinition } from '../kernel/module.js';
import { upStandsFor, type HealthCheck } from '../kernel/observability/health.js';
import type { Logger } from '../kernel/observability/logger.factory.js';
import type { Metrics } from '../kernel/observability/metrics.js';
import type { RequestContext } from '../kernel/observability/request-context.js';
import { TOKENS } from '../kernel/tokens.js';

export interface HostedModule {
  definition: ModuleDefinition;
  container: DependencyContainer;
  orm: MikroORM;
  routes: ApiRoute[];
  health: HealthCheck;
}

export interface HostingContext {
  config: AppConfig;
  root: DependencyContainer;
  bus: EventBus;
  metrics: Metrics;
  logger: Logger;
  /** Event type → publishing module, over every module of the codebase. */
  publishers: ReadonlyMap<string, string>;
  routeTable: RouteTable;
  /** The token signing keys and signer, when this process hosts the module that issues tokens. */
  signing?: { keys: SigningKeySet; signer: AccessTokenSigner };
  requests: RequestContext;
  /** Sees the events of every committed transaction (business metrics). */
  committed?: (events: readonly EventEnvelope[]) => void;
}

/** Which module publishes each event type: consumers subscribe to those modules' streams. */
export function publisherIndex(available: readonly ModuleDefinition[]): Map<string, string> {
  const index = new Map<string, string>();
  for (const module of available) for (const contract of module.publishes) index.set(contract.type, module.name);
  return index;
}

/** The routes a module serves are exactly the operations it declares (which the API document lists). */
function assertImplements(module: string, api: readonly ApiOperation[], routes: readonly ApiRoute[]): void {
  const declared = new Set(api.map((o) => o.operationId));
  const served = new Set(routes.map((r) => r.operationId));
  const undeclared = [...served].filter((id) => !declared.has(id));
  const unserved = [...declared].filter((id) => !served.has(id));
  if (undeclared.length > 0 || unserved.length > 0) {
    throw new Error(
      `Module ${module}: routes and api differ (served, not declared: ${undeclared.join(', ') || '-'}; declared, not served: ${unserved.join(', ') || '-'})`,
    );
  }
}

/**
 * What the kernel hands a module besides its logger and unit of work: its own configuration slice,
 * the little it may know of the process, and, for the module that issues tokens, the signer.
 */
function registerModuleSettings(definition: ModuleDefinition, container: DependencyContainer, ctx: HostingContext): void {
  const { config } = ctx;
  if (definition.config) {
    if (!(definition.name in config.moduleConfig)) {
      throw new Error(`Module ${definition.name} declares a configuration slice, but the configuration was loaded without it (pass the modules to loadConfig)`);
    }
    container.register(TOKENS.ModuleConfig, { useValue: config.moduleConfig[definition.name] });
  }
  const environment: ModuleEnvironment = { env: config.env, dataDir: config.dataDir, ephemeral: config.sqlite.inMemory, seedDemoData: config.seedDemoData };
  container.register(TOKENS.ModuleEnvironment, { useValue: environment });
  if (definition.issuesTokens && ctx.signing) {
    container.register(TOKENS.SigningKeys, { useValue: ctx.signing.keys });
    container.register(TOKENS.TokenSigner, { useValue: ctx.signing.signer });
  }
}

/**
 * One module in this process: its own database, its own child container (with its logger and its
 * unit of work), its relay and consumer on the bus, and its routes with the dead-letter admin.
 */
export async function hostModule(definition: ModuleDefinition, ctx: HostingContext): Promise<HostedModule> {
  const { name } = definition;
  const { config, bus } = ctx;
  const logger = ctx.logger.child({ module: name });
  const target = databaseTargetFor(name, { ...config.sqlite, dataDir: config.dataDir, ...config.database });
  const migrations = await definition.migrations?.();
  const orm = await createModuleDatabase(name, definition.entities, target, logger, { ...(migrations ? { migrations } : {}), pool: config.database.pool });
  const tables = new SqlEventTables(orm);
  const uow = new UnitOfWork(
    orm,
    name,
    tables,
    (events) => {
      bus.committed(name);
      ctx.committed?.(events);
    },
    { tracing: bus.tracing.tracing, requests: ctx.requests },
  );

  const container = ctx.root.createChildContainer();
  container.register(TOKENS.Logger, { useValue: logger });
  container.register(TOKENS.UnitOfWork, { useValue: uow });
  registerModuleSettings(definition, container, ctx);
  definition.register(container);

  bus.addTables(name, tables);
  if (definition.publishes.length > 0) bus.addPublisher(name, orm, tables);
  const consumer = new EventConsumer(name, orm, resolveSubscriptions(definition.subscriptions, container), {
    retry: config.events.retry,
    uow,
    tables,
    announceDeadLetter: (event, reason) => bus.transport.deadLetter(name, event, reason),
    logger,
    metrics: ctx.metrics,
    publishers: ctx.publishers,
    tracing: bus.tracing,
    requests: ctx.requests,
  });
  const sources = new Set(definition.subscriptions.map((s) => ctx.publishers.get(s.contract.type)).filter((s): s is string => Boolean(s)));
  await bus.addConsumer(consumer, [...sources]);

  const own = definition.routes(container);
  assertImplements(name, definition.api, own);
  const routes = [...own, ...deadLetterRoutes(name, new DeadLetterService(orm, consumer))];
  ctx.routeTable.assertCovers(
    name,
    routes.map((r) => r.path),
  );
  return { definition, container, orm, routes, health: upStandsFor({ name: `db:${name}`, check: () => orm.isConnected() }) };
}
