import type { SchemaMigration } from './db/schema-migration.js';
import type { DependencyContainer } from 'tsyringe';
import type { AnyEntitySchema } from './db/entity-schema.js';
import type { ModuleConfig } from './config/module-config.js';
import type { EventContract } from './events/event-contract.js';
import type { Subscription } from './events/event-handler.js';
import type { ApiOperation, ApiRoute } from './http/api-route.js';

/**
 * A bounded context as the runtime sees it. The module owns its entities (in its own database),
 * its routes and its event handlers; it states what it publishes so the runtime can tell which
 * module a consumer must listen to.
 */
export interface ModuleDefinition {
  readonly name: string;
  /**
   * The module that signs access tokens: the process hosting it holds the signing keys, and only
   * this module's container gets them and the signer (`TOKENS.SigningKeys`, `TOKENS.TokenSigner`).
   * Other processes fetch the public keys from `SERVICE_URLS_<NAME>`.
   */
  readonly issuesTokens?: boolean;
  /**
   * The module's own settings (`<name>.*` in config/*.json and the environment variables it
   * names), validated at start; its container gets the parsed slice as `TOKENS.ModuleConfig`.
   */
  readonly config?: ModuleConfig;
  /** The API document's tag for the module's operations (`ApiOperation.tags`), with its description. */
  readonly tag?: { readonly name: string; readonly description: string };
  readonly entities: readonly AnyEntitySchema[];
  /**
   * The module's schema migrations, oldest first: its own tables only (the kernel applies its event
   * tables' migration first). Applied at start on SQLite and PostgreSQL alike (in the schema named
   * after the module there). Add one with `npx tsx scripts/create-migration.ts <module> <name>`.
   * Required as soon as the module has entities. Loaded on demand, with the module's SQL.
   */
  readonly migrations?: () => Promise<readonly SchemaMigration[]>;
  /**
   * Path prefixes of every route the module serves: what a gateway that does not host the module
   * forwards to the processes that do. Checked against `routes` at start.
   */
  readonly routePrefixes?: readonly string[];
  readonly publishes: readonly EventContract[];
  readonly subscriptions: readonly Subscription[];
  /**
   * Every HTTP operation the module serves, as declarations (no handlers): what the API document
   * describes, in any process, whether it hosts the module or not. `routes` implements exactly these.
   */
  readonly api: readonly ApiOperation[];
  /** Registers the module's own services in its child container. */
  register(container: DependencyContainer): void;
  /** The operations of `api` with their handlers (built with `implement`). */
  routes(container: DependencyContainer): ApiRoute[];
  /** Runs once the module's database and the bus are ready (e.g. to ensure seed data). */
  start?(container: DependencyContainer): Promise<void>;
  /** Stops what `start` started (background loops), before the database closes. */
  stop?(container: DependencyContainer): Promise<void>;
}

export function defineModule(definition: ModuleDefinition): ModuleDefinition {
  return definition;
}
