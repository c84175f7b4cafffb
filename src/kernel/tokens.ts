import type { InjectionToken } from 'tsyringe';
import type { AccessTokenSigner } from './auth/access-token.signer.js';
import type { SigningKeySet } from './auth/signing-keys.js';
import type { ModuleEnvironment } from './config/module-config.js';
import type { UnitOfWork } from './events/unit-of-work.js';
import type { Logger } from './observability/logger.factory.js';

/**
 * Injection tokens for what the kernel gives a module, in the module's own child container: its
 * logger, its unit of work, its configuration slice and what it may know of the process.
 */
export const TOKENS = {
  /** The module's own logger (a child of the process logger, labelled with the module). */
  Logger: Symbol('Logger') as InjectionToken<Logger>,
  /** The module's transaction boundary over its own database, with the outbox. */
  UnitOfWork: Symbol('UnitOfWork') as InjectionToken<UnitOfWork>,
  /** The module's parsed configuration slice (`ModuleDefinition.config`); each module types it. */
  ModuleConfig: Symbol('ModuleConfig') as symbol,
  /** What every module may know of the process: environment, data directory, demo data. */
  ModuleEnvironment: Symbol('ModuleEnvironment') as InjectionToken<ModuleEnvironment>,
  /** Only in the container of the module that issues tokens (`ModuleDefinition.issuesTokens`). */
  SigningKeys: Symbol('SigningKeys') as InjectionToken<SigningKeySet>,
  /** Only in the container of the module that issues tokens (`ModuleDefinition.issuesTokens`). */
  TokenSigner: Symbol('TokenSigner') as InjectionToken<AccessTokenSigner>,
} as const;
