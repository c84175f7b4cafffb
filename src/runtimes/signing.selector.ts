import { join } from 'node:path';
import { AccessTokenVerifier, type JwksSource } from '../kernel/auth/access-token.verifier.js';
import { generateSigningKeySet, loadOrCreateSigningKeySet, signingKeySetFromJwks, type SigningKeySet } from '../kernel/auth/signing-keys.js';
import type { AppConfig } from '../kernel/config/config.schema.js';
import { StartupError } from './startup.error.js';

/**
 * The keys of a process that issues tokens: configured ones in production (never generated
 * there), a key kept under DATA_DIR in development, throwaway keys in tests.
 */
export async function loadSigningKeys(config: AppConfig): Promise<SigningKeySet> {
  if (config.auth.signingKeys) {
    try {
      return await signingKeySetFromJwks(config.auth.signingKeys);
    } catch (err) {
      throw new StartupError((err as Error).message);
    }
  }
  if (config.env === 'production') throw new StartupError('AUTH_SIGNING_KEYS is required in production (a JSON array of private ES256 JWKs)');
  if (config.env === 'test') return generateSigningKeySet();
  return loadOrCreateSigningKeySet(join(config.dataDir, 'keys'));
}

/**
 * Every process verifies tokens itself: with its own keys when it issues them, from the issuer's
 * JWKS when one is configured, and otherwise (outside production) with the development keys under
 * DATA_DIR, so that processes started by hand on one machine trust each other's tokens.
 */
export async function createVerifier(config: AppConfig, keys: SigningKeySet | undefined): Promise<AccessTokenVerifier> {
  const options = { issuer: config.auth.issuer, audience: config.auth.audience };
  if (keys) return new AccessTokenVerifier({ kind: 'local', keys }, options);
  const issuerUrl = config.serviceUrls['user']?.[0];
  const url = config.auth.jwksUrl ?? (issuerUrl ? new URL('/.well-known/jwks.json', issuerUrl).toString() : undefined);
  if (url) return new AccessTokenVerifier({ kind: 'remote', url }, options);
  if (config.env === 'production' && !config.auth.signingKeys) {
    throw new StartupError('This process verifies tokens but hosts no issuer: set AUTH_JWKS_URL or SERVICE_URLS_USER');
  }
  return new AccessTokenVerifier({ kind: 'local', keys: await loadSigningKeys(config) }, options);
}

/** The gateway's keys for service tokens: configured in production, kept under DATA_DIR otherwise. */
export async function loadServiceSigningKeys(config: AppConfig): Promise<SigningKeySet> {
  if (config.auth.serviceSigningKeys) {
    try {
      return await signingKeySetFromJwks(config.auth.serviceSigningKeys);
    } catch (err) {
      throw new StartupError((err as Error).message.replace('AUTH_SIGNING_KEYS', 'SERVICE_TOKEN_KEYS'));
    }
  }
  if (config.env === 'production') throw new StartupError('SERVICE_TOKEN_KEYS is required in production for the gateway and the processes behind it');
  return loadOrCreateSigningKeySet(join(config.dataDir, 'keys', 'service'));
}

/** Where a module process finds the keys that sign service tokens. */
export async function serviceTokenSource(config: AppConfig): Promise<JwksSource> {
  const gatewayUrl = config.serviceUrls['gateway']?.[0];
  const url = config.auth.serviceJwksUrl ?? (gatewayUrl ? new URL('/.well-known/service-jwks.json', gatewayUrl).toString() : undefined);
  if (url) return { kind: 'remote', url };
  return { kind: 'local', keys: await loadServiceSigningKeys(config) };
}
