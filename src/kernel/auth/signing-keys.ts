import { randomUUID, type KeyObject } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';

export interface SigningKey {
  kid: string;
  alg: 'ES256';
  privateKey: CryptoKey | KeyObject;
  /** Public half only, carrying kid, alg and use so it can be published as is. */
  publicJwk: JWK;
}

export interface SigningKeySet {
  /** Signs new tokens; always `all[0]`. */
  active: SigningKey;
  /** Newest first; older keys stay so tokens they signed still verify until they expire. */
  all: SigningKey[];
  jwks(): { keys: JWK[] };
}

const ALG = 'ES256';
const KEY_FILE = 'signing-keys.json';

/** Throwaway keys for tests: the private key is never extractable. */
export async function generateSigningKeySet(): Promise<SigningKeySet> {
  const { privateKey, publicKey } = await generateKeyPair(ALG);
  return keySet([await signingKey(privateKey, await exportJWK(publicKey))]);
}

/**
 * Development keys that survive restarts, so tokens issued before a reload keep working.
 * Not for production: the key sits unencrypted on disk.
 */
export async function loadOrCreateSigningKeySet(dir: string): Promise<SigningKeySet> {
  const file = join(dir, KEY_FILE);
  const existing = await readIfExists(file);
  if (existing !== undefined) return fromJson(existing, file);

  await mkdir(dir, { recursive: true, mode: 0o700 });
  // Extractable only here, long enough to write it out; the set itself re-imports it as
  // non-extractable.
  const { privateKey } = await generateKeyPair(ALG, { extractable: true });
  const privateJwk = await exportJWK(privateKey);
  const json = `${JSON.stringify([{ ...privateJwk, alg: ALG, use: 'sig' }], null, 2)}\n`;

  // Write aside and hard-link into place: creation is atomic and exclusive, so two processes
  // starting together never read a half-written file nor end up with different keys.
  const temp = join(dir, `.${KEY_FILE}.${process.pid}.${randomUUID()}.tmp`);
  await writeFile(temp, json, { mode: 0o600, flag: 'wx' });
  try {
    await link(temp, file);
    return await fromJson(json, file);
  } catch (error) {
    if (!isErrno(error, 'EEXIST')) throw error;
    return fromJson(await readFile(file, 'utf8'), file);
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

/** Production keys from configuration (AUTH_SIGNING_KEYS): private JWKs, newest first. */
export function signingKeySetFromJwks(json: string): Promise<SigningKeySet> {
  return fromJson(json, 'AUTH_SIGNING_KEYS');
}

async function fromJson(json: string, source: string): Promise<SigningKeySet> {
  const fail = (reason: string): never => {
    // The reason never quotes the input: it holds private keys.
    throw new Error(`${source} is not valid: ${reason}`);
  };
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return fail('it is not JSON.');
  }
  if (!Array.isArray(value) || value.length === 0) {
    return fail('expected a non-empty JSON array of private JWKs.');
  }
  const keys: SigningKey[] = [];
  for (const [index, entry] of value.entries()) {
    const position = `key #${index + 1}`;
    const jwk = asPrivateEcJwk(entry);
    if (!jwk) return fail(`${position} is not an ES256 (EC P-256) private JWK.`);
    let key: SigningKey;
    let matches: boolean;
    try {
      const privateKey = await importJWK(jwk, ALG);
      key = await signingKey(privateKey as CryptoKey, jwk);
      matches = await halvesMatch(key);
    } catch {
      return fail(`${position} cannot be imported.`);
    }
    if (!matches) return fail(`${position} has a public part that does not match its private part.`);
    if (keys.some((k) => k.kid === key.kid)) return fail(`${position} duplicates an earlier key.`);
    keys.push(key);
  }
  return keySet(keys);
}

interface PrivateEcJwk extends JWK {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
  d: string;
}

function asPrivateEcJwk(value: unknown): PrivateEcJwk | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const jwk = value as Record<string, unknown>;
  const isText = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256') return undefined;
  if (!isText(jwk.x) || !isText(jwk.y) || !isText(jwk.d)) return undefined;
  if (jwk.alg !== undefined && jwk.alg !== ALG) return undefined;
  if (jwk.use !== undefined && jwk.use !== 'sig') return undefined;
  return { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, d: jwk.d };
}

async function signingKey(privateKey: CryptoKey, publicPart: JWK): Promise<SigningKey> {
  const publicJwk: JWK = { kty: publicPart.kty, crv: publicPart.crv, x: publicPart.x, y: publicPart.y };
  const kid = await calculateJwkThumbprint(publicJwk, 'sha256');
  return {
    kid,
    alg: ALG,
    privateKey,
    publicJwk: Object.freeze({ ...publicJwk, kid, alg: ALG, use: 'sig' }),
  };
}

// A JWK whose x/y were edited would sign fine but publish a key nothing verifies against;
// catch that at startup instead of as a wave of 401s.
async function halvesMatch(key: SigningKey): Promise<boolean> {
  const publicKey = await importJWK(key.publicJwk, ALG);
  const probe = new TextEncoder().encode('mercato signing key probe');
  const algorithm = { name: 'ECDSA', hash: 'SHA-256' };
  const signature = await crypto.subtle.sign(algorithm, key.privateKey as CryptoKey, probe);
  return crypto.subtle.verify(algorithm, publicKey as CryptoKey, signature, probe);
}

function keySet(all: SigningKey[]): SigningKeySet {
  const [active] = all;
  if (!active) throw new Error('A signing key set needs at least one key.');
  return {
    active,
    all,
    jwks: () => ({ keys: all.map((k) => ({ ...k.publicJwk })) }),
  };
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return undefined;
    throw error;
  }
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}
