import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
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
  if (config.auth.signingKeys) return configuredKeys(config, config.auth.signingKeys, 'AUTH_SIGNING_KEYS', join(config.dataDir, 'keys'));
  if (config.env === 'production') throw new StartupError('AUTH_SIGNING_KEYS is required in production (a JSON array of private ES256 JWKs)');
  if (config.env === 'test') return generateSigningKeySet();
  return loadOrCreateSigningKeySet(join(config.dataDir, 'keys'));
}

/**
 * Configured keys; in production they must not be a development key (one that `npm start` wrote
 * under DATA_DIR and that may have been copied around as a convenience).
 */
async function configuredKeys(config: AppConfig, json: string, setting: string, developmentDir: string): Promise<SigningKeySet> {
  let keys: SigningKeySet;
  try {
    keys = await signingKeySetFromJwks(json);
  } catch (err) {
    throw new StartupError((err as Error).message.replace('AUTH_SIGNING_KEYS', setting));
  }
  const developmentFile = join(developmentDir, 'signing-keys.json');
  if (config.env === 'production' && existsSync(developmentFile)) {
    const development = await signingKeySetFromJwks(readFileSync(developmentFile, 'utf8')).catch(() => undefined);
    const developmentKids = new Set(development?.all.map((k) => k.kid));
    if (keys.all.some((k) => developmentKids.has(k.kid))) throw new StartupError(`${setting} holds a development key; generate production keys`);
  }
  return keys;
}

/**
 * Every process verifies tokens itself: with its own keys when it issues them, from the issuer's
 * JWKS when one is configured, and otherwise (outside production) with the development keys under
 * DATA_DIR, so that processes started by hand on one machine trust each other's tokens. `issuer`
 * is the module that issues tokens (`ModuleDefinition.issuesTokens`), found by its service URL.
 */
export async function createVerifier(config: AppConfig, keys: SigningKeySet | undefined, issuer: string | undefined): Promise<AccessTokenVerifier> {
  const options = { issuer: config.auth.issuer, audience: config.auth.audience };
  if (keys) return new AccessTokenVerifier({ kind: 'local', keys }, options);
  const issuerUrl = issuer ? config.serviceUrls[issuer]?.[0] : undefined;
  const url = config.auth.jwksUrl ?? (issuerUrl ? new URL('/.well-known/jwks.json', issuerUrl).toString() : undefined);
  if (url) return new AccessTokenVerifier({ kind: 'remote', url, cacheFile: keptKeysFile(config, url) }, options);
  if (config.env === 'production' && !config.auth.signingKeys) {
    throw new StartupError(`This process verifies tokens but hosts no issuer: set AUTH_JWKS_URL${issuer ? ` or SERVICE_URLS_${issuer.toUpperCase()}` : ''}`);
  }
  return new AccessTokenVerifier({ kind: 'local', keys: await loadSigningKeys(config) }, options);
}

/** The gateway's keys for service tokens: configured in production, kept under DATA_DIR otherwise. */
export async function loadServiceSigningKeys(config: AppConfig): Promise<SigningKeySet> {
  if (config.auth.serviceSigningKeys) {
    return configuredKeys(config, config.auth.serviceSigningKeys, 'SERVICE_TOKEN_KEYS', join(config.dataDir, 'keys', 'service'));
  }
  if (config.env === 'production') throw new StartupError('SERVICE_TOKEN_KEYS is required in production for the gateway and the processes behind it');
  return loadOrCreateSigningKeySet(join(config.dataDir, 'keys', 'service'));
}

/**
 * Where a module process behind a gateway finds the keys that sign service tokens: the gateway's
 * JWKS (SERVICE_TOKEN_JWKS_URL, or derived from SERVICE_URLS_GATEWAY), the keys themselves
 * (SERVICE_TOKEN_KEYS), or, outside production, the development keys the gateway wrote under a
 * DATA_DIR it shares with this process. Anything else would answer 401 to every request, sign-up
 * included, for a reason nobody sees, so the process refuses to start instead.
 */
export async function serviceTokenSource(config: AppConfig): Promise<JwksSource> {
  const gatewayUrl = config.serviceUrls['gateway']?.[0];
  const url = config.auth.serviceJwksUrl ?? (gatewayUrl ? new URL('/.well-known/service-jwks.json', gatewayUrl).toString() : undefined);
  if (url) return { kind: 'remote', url, cacheFile: keptKeysFile(config, url) };
  if (config.auth.serviceSigningKeys) return { kind: 'local', keys: await loadServiceSigningKeys(config) };
  const developmentFile = join(config.dataDir, 'keys', 'service', 'signing-keys.json');
  if (config.env !== 'production' && existsSync(developmentFile)) return { kind: 'local', keys: await loadServiceSigningKeys(config) };
  const where = config.env === 'production' ? '' : ` (no gateway keys in this DATA_DIR: ${developmentFile} does not exist)`;
  throw new StartupError(
    `MODULES=${config.modules} runs behind a gateway but cannot get its service-token keys, so it would refuse every request: set SERVICE_URLS_GATEWAY or SERVICE_TOKEN_JWKS_URL to the gateway, or SERVICE_TOKEN_KEYS to its keys${config.env === 'production' ? '' : ', or share its DATA_DIR'}${where}`,
  );
}

/**
 * Where a process keeps the last key set it fetched from `url`, so that it can verify tokens when
 * restarted while the source is down. Named by the URL: processes sharing a DATA_DIR share the file.
 */
function keptKeysFile(config: AppConfig, url: string): string {
  return join(config.dataDir, 'keys', 'fetched', `${createHash('sha256').update(url).digest('hex').slice(0, 16)}.jwks.json`);
}
