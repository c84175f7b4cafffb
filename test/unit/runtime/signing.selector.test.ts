import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { createVerifier, loadSigningKeys } from '../../../src/runtimes/signing.selector.js';
import { loadOrCreateSigningKeySet } from '../../../src/kernel/auth/signing-keys.js';
import { loadConfig } from '../../../src/kernel/config/config.loader.js';

async function freshPrivateJwks(): Promise<string> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  return JSON.stringify([await exportJWK(privateKey)]);
}

describe('signing keys in production', () => {
  it('refuses a missing key, refuses the development key, accepts a configured one', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mercato-keys-'));
    await loadOrCreateSigningKeySet(join(dataDir, 'keys'));
    const developmentKeys = readFileSync(join(dataDir, 'keys', 'signing-keys.json'), 'utf8');
    const production = (env: Record<string, string>) => loadConfig({ NODE_ENV: 'production', DATA_DIR: dataDir, ...env });

    await expect(loadSigningKeys(production({}))).rejects.toThrow(/AUTH_SIGNING_KEYS is required/);
    await expect(loadSigningKeys(production({ AUTH_SIGNING_KEYS: developmentKeys }))).rejects.toThrow(/development key/);
    const keys = await loadSigningKeys(production({ AUTH_SIGNING_KEYS: await freshPrivateJwks() }));
    expect(keys.all).toHaveLength(1);
    // Outside production the development key is what it is for.
    const development = await loadSigningKeys(loadConfig({ NODE_ENV: 'development', DATA_DIR: dataDir, AUTH_SIGNING_KEYS: developmentKeys }));
    expect(development.active.kid).not.toBe(keys.active.kid);
  });
});

describe('the issuer of tokens', () => {
  it('is found by ModuleDefinition.issuesTokens, not by a fixed name: its SERVICE_URLS_<NAME> leads to its JWKS', async () => {
    const production = loadConfig({ NODE_ENV: 'production', DATA_DIR: mkdtempSync(join(tmpdir(), 'mercato-keys-')) });
    await expect(createVerifier(production, undefined, 'user')).rejects.toThrow(/set AUTH_JWKS_URL or SERVICE_URLS_USER$/);
    await expect(createVerifier(production, undefined, 'accounts')).rejects.toThrow(/set AUTH_JWKS_URL or SERVICE_URLS_ACCOUNTS$/);
    const behindAccounts = loadConfig({ NODE_ENV: 'production', SERVICE_URLS_ACCOUNTS: 'http://accounts.internal:3000' });
    await expect(createVerifier(behindAccounts, undefined, 'accounts')).resolves.toBeDefined();
    await expect(createVerifier(behindAccounts, undefined, 'user')).rejects.toThrow(/SERVICE_URLS_USER/);
  });
});
