import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it, expect } from 'vitest';
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { generateSigningKeySet, loadOrCreateSigningKeySet, signingKeySetFromJwks } from '../../../src/kernel/auth/signing-keys.js';

const PRIVATE_FIELDS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'];

async function privateJwk() {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  return exportJWK(privateKey);
}

describe('generateSigningKeySet', () => {
  it('creates one ES256 key whose kid is its RFC 7638 thumbprint', async () => {
    const set = await generateSigningKeySet();
    expect(set.all).toHaveLength(1);
    expect(set.active).toBe(set.all[0]);
    expect(set.active.alg).toBe('ES256');
    expect(set.active.kid).toBe(await calculateJwkThumbprint(set.active.publicJwk, 'sha256'));
  });

  it('publishes only public parts, tagged with kid, alg and use', async () => {
    const set = await generateSigningKeySet();
    const { keys } = set.jwks();
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', kid: set.active.kid, alg: 'ES256', use: 'sig' });
    for (const field of PRIVATE_FIELDS) expect(keys[0]).not.toHaveProperty(field);
  });

  it('keeps the in-memory private key non-extractable', async () => {
    const set = await generateSigningKeySet();
    await expect(exportJWK(set.active.privateKey)).rejects.toThrow();
  });
});

describe('loadOrCreateSigningKeySet', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });

  it('persists a key with mode 0600 and reuses it on the next start', async () => {
    const root = await mkdtemp(join(tmpdir(), 'mercato-keys-'));
    dirs.push(root);
    const dir = join(root, 'nested', 'keys');

    const first = await loadOrCreateSigningKeySet(dir);
    const second = await loadOrCreateSigningKeySet(dir);

    expect(second.active.kid).toBe(first.active.kid);
    const file = join(dir, 'signing-keys.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(await readFile(file, 'utf8')) as unknown[];
    expect(stored).toHaveLength(1);
    expect(stored[0]).toHaveProperty('d');
  });

  it('agrees on one key when two processes start at once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mercato-keys-'));
    dirs.push(dir);
    const sets = await Promise.all([loadOrCreateSigningKeySet(dir), loadOrCreateSigningKeySet(dir)]);
    expect(sets[0].active.kid).toBe(sets[1].active.kid);
  });
});

describe('signingKeySetFromJwks', () => {
  it('takes the first key as active and keeps the rest, in order', async () => {
    const newer = await privateJwk();
    const older = await privateJwk();
    const set = await signingKeySetFromJwks(JSON.stringify([newer, older]));
    expect(set.all).toHaveLength(2);
    expect(set.active.kid).toBe(await calculateJwkThumbprint(newer, 'sha256'));
    expect(set.all[1]?.kid).toBe(await calculateJwkThumbprint(older, 'sha256'));
    expect(set.jwks().keys.map((k) => k.kid)).toEqual(set.all.map((k) => k.kid));
  });

  it.each([
    ['not JSON', 'garbage-SECRET-MATERIAL'],
    ['an object', '{"secret":"SECRET-MATERIAL"}'],
    ['an empty array', '[]'],
    ['a public key', '[{"kty":"EC","crv":"P-256","x":"SECRET-MATERIAL","y":"abc"}]'],
    ['an RSA key', '[{"kty":"RSA","n":"SECRET-MATERIAL","e":"AQAB","d":"xyz"}]'],
    ['a broken EC key', '[{"kty":"EC","crv":"P-256","x":"SECRET-MATERIAL","y":"abc","d":"def"}]'],
  ])('rejects %s without echoing it', async (_label, input) => {
    const error = await signingKeySetFromJwks(input).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(Error);
    expect(error?.message).toMatch(/^AUTH_SIGNING_KEYS is not valid: /);
    expect(error?.message).not.toContain('SECRET-MATERIAL');
    expect(error?.message).not.toContain(input);
  });

  it('rejects a key whose public part belongs to another key, without echoing the secret', async () => {
    const a = await privateJwk();
    const b = await privateJwk();
    const mixed = { ...a, x: b.x, y: b.y };
    const error = await signingKeySetFromJwks(JSON.stringify([mixed])).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/^AUTH_SIGNING_KEYS is not valid: key #1/);
    expect((error as Error).message).not.toContain(a.d as string);
  });

  it('rejects the same key listed twice', async () => {
    const jwk = await privateJwk();
    await expect(signingKeySetFromJwks(JSON.stringify([jwk, jwk]))).rejects.toThrow(/key #2 duplicates/);
  });
});
