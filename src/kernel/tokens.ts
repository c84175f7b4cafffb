import type { InjectionToken } from 'tsyringe';
import type { AccessTokenSigner } from './auth/access-token.signer.js';
import type { AccessTokenVerifier } from './auth/access-token.verifier.js';
import type { PasswordHasher } from './auth/password.hasher.js';
import type { SigningKeySet } from './auth/signing-keys.js';
import type { AppConfig } from './config/config.schema.js';
import type { UnitOfWork } from './events/unit-of-work.js';
import type { Logger } from './observability/logger.factory.js';

/**
 * Injection tokens for what the kernel provides. The root container holds the process-wide ones;
 * each module's child container adds its own logger and unit of work.
 */
export const TOKENS = {
  Config: Symbol('Config') as InjectionToken<AppConfig>,
  /** The module's own logger (a child of the process logger, labelled with the module). */
  Logger: Symbol('Logger') as InjectionToken<Logger>,
  /** The module's transaction boundary over its own database, with the outbox. */
  UnitOfWork: Symbol('UnitOfWork') as InjectionToken<UnitOfWork>,
  PasswordHasher: Symbol('PasswordHasher') as InjectionToken<PasswordHasher>,
  TokenVerifier: Symbol('TokenVerifier') as InjectionToken<AccessTokenVerifier>,
  /** Present only in processes that hold the signing keys (those hosting the identity module). */
  TokenSigner: Symbol('TokenSigner') as InjectionToken<AccessTokenSigner>,
  SigningKeys: Symbol('SigningKeys') as InjectionToken<SigningKeySet>,
} as const;
