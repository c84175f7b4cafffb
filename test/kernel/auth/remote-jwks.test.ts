import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it, expect } from 'vitest';
import { AccessTokenSigner } from '../../../src/kernel/auth/access-token.signer.js';
import { AccessTokenVerifier } from '../../../src/kernel/auth/access-token.verifier.js';
import { RemoteKeySet } from '../../../src/kernel/auth/remote-key-set.js';
import { generateSigningKeySet, type SigningKeySet } from '../../../src/kernel/auth/signing-keys.js';
import { HttpError, UnauthorizedError } from '../../../src/kernel/errors/http.errors.js';
import { waitFor } from '../../support/wait-for.js';

const opts = { issuer: 'https://auth.mercato.test', audience: 'mercato-api' };

/** A key source that can be taken down (500s, or a hang) and given other keys. */
interface KeySource {
  url: string;
  server: Server;
  mode: 'up' | 'error' | 'hang';
  keys: SigningKeySet;
  requests: number;
}

async function keySource(keys: SigningKeySet): Promise<KeySource> {
  const source = { mode: 'up', keys, requests: 0 } as KeySource;
  source.server = createServer((_req, res) => {
    source.requests++;
    if (source.mode === 'hang') return; // never answers
    if (source.mode === 'error') {
      res.writeHead(500).end('down');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(source.keys.jwks()));
  });
  await new Promise<void>((resolve) => source.server.listen(0, '127.0.0.1', resolve));
  source.url = `http://127.0.0.1:${(source.server.address() as AddressInfo).port}/.well-known/jwks.json`;
  return source;
}

const sign = (keys: SigningKeySet, subject = 's-1') =>
  new AccessTokenSigner(keys, { ...opts, ttlSeconds: 600 }).sign({ subject, role: 'customer' }).then((t) => t.token);

async function refusal(promise: Promise<unknown>): Promise<HttpError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HttpError);
  return err as HttpError;
}

function expectUnavailable(err: HttpError): void {
  expect(err.status).toBe(503);
  expect(Number(err.headers['Retry-After'])).toBeGreaterThanOrEqual(1);
}

describe('AccessTokenVerifier with a remote JWKS', () => {
  const sources: KeySource[] = [];
  const keySets: RemoteKeySet[] = [];
  afterEach(async () => {
    for (const k of keySets.splice(0)) k.stop();
    await Promise.all(
      sources.splice(0).map((s) => {
        s.server.closeAllConnections();
        return new Promise<void>((resolve) => s.server.close(() => resolve()));
      }),
    );
  });

  async function setup(keySetOptions: ConstructorParameters<typeof RemoteKeySet>[1] = {}) {
    const keys = await generateSigningKeySet();
    const source = await keySource(keys);
    sources.push(source);
    const keySet = new RemoteKeySet(source.url, { timeoutMs: 300, retryMs: 0, ...keySetOptions });
    keySets.push(keySet);
    return { keys, source, keySet, verifier: new AccessTokenVerifier({ kind: 'cached', keySet }, opts) };
  }

  it('verifies a token against keys fetched over HTTP', async () => {
    const keys = await generateSigningKeySet();
    const source = await keySource(keys);
    sources.push(source);
    const verifier = new AccessTokenVerifier({ kind: 'remote', url: source.url }, opts);
    expect(await verifier.verify(await sign(keys))).toEqual({ subject: 's-1', role: 'customer' });
  });

  it('answers 503 with Retry-After, never 401, when there are no keys yet and the source is down', async () => {
    const { keys, source, verifier } = await setup();
    const token = await sign(keys);
    for (const mode of ['error', 'hang'] as const) {
      source.mode = mode;
      expectUnavailable(await refusal(verifier.verify(token)));
    }
    source.mode = 'up';
    expect((await verifier.verify(token)).subject).toBe('s-1');
  });

  it('keeps verifying with the last good keys while the source is down, without asking it again', async () => {
    const { keys, source, verifier } = await setup();
    const token = await sign(keys);
    await verifier.verify(token);
    const fetched = source.requests;
    source.mode = 'error';
    for (let i = 0; i < 20; i++) expect((await verifier.verify(await sign(keys, `s-${i}`))).subject).toBe(`s-${i}`);
    expect(source.requests).toBe(fetched);
  });

  it('fetches on an unknown kid only: a rotated-in key is learnt, and unknown while down is 503', async () => {
    const { keys, source, verifier } = await setup({ cooldownMs: 0 });
    await verifier.verify(await sign(keys));
    const rotated = await generateSigningKeySet();
    const fresh = await sign(rotated);

    source.mode = 'error';
    expectUnavailable(await refusal(verifier.verify(fresh)));
    source.mode = 'up';
    source.keys = rotated;
    expect((await verifier.verify(fresh)).subject).toBe('s-1');
  });

  it('refuses a made-up kid with 401, and does not fetch for every one of them', async () => {
    const { keys, source, verifier } = await setup({ cooldownMs: 60_000 });
    await verifier.verify(await sign(keys));
    const before = source.requests;
    const stranger = await generateSigningKeySet();
    for (let i = 0; i < 10; i++) expect(await refusal(verifier.verify(await sign(stranger)))).toBeInstanceOf(UnauthorizedError);
    // The first fetch was within the cooldown of the initial one: no fetch at all.
    expect(source.requests - before).toBe(0);
  });

  it('fetches the keys when asked to prefetch, so tokens still verify when the source goes down before the first one', async () => {
    const { keys, source, keySet, verifier } = await setup();
    verifier.prefetchKeys();
    await waitFor(async () => keySet.fetched, 5_000, 'the prefetch');
    source.mode = 'error';
    expect((await verifier.verify(await sign(keys))).subject).toBe('s-1');
  });

  it('keeps trying to prefetch while the source is down, and stops once it has the keys', async () => {
    const { keys, source, keySet, verifier } = await setup({ retryMs: 50 });
    source.mode = 'error';
    verifier.prefetchKeys();
    await waitFor(async () => source.requests >= 3, 5_000, 'prefetch retries');
    source.mode = 'up';
    await waitFor(async () => keySet.fetched && !keySet.fetching, 10_000, 'the prefetch to get the keys');
    const fetched = source.requests;
    // No token asked for the keys: the prefetch got them.
    source.mode = 'error';
    expect((await verifier.verify(await sign(keys))).subject).toBe('s-1');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(source.requests).toBe(fetched);
  });

  it('does not let a failed prefetch hold back the fetch the first token asks for', async () => {
    const { keys, source, keySet, verifier } = await setup({ retryMs: 60_000 });
    source.mode = 'error';
    verifier.prefetchKeys();
    await waitFor(async () => source.requests >= 1 && !keySet.fetching, 5_000, 'the prefetch to fail');
    // The source came up (the issuer finished starting) before the prefetch's next try.
    source.mode = 'up';
    expect((await verifier.verify(await sign(keys))).subject).toBe('s-1');
  });

  it('keeps the last good set in its cache file, so a restarted process verifies tokens while the source is down', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mercato-jwks-'));
    try {
      const cacheFile = join(dir, 'kept', 'issuer.jwks.json');
      const { keys, source, verifier } = await setup({ cacheFile });
      const token = await sign(keys);
      await verifier.verify(token);
      source.mode = 'error';

      const restarted = new RemoteKeySet(source.url, { timeoutMs: 300, retryMs: 0, cacheFile });
      keySets.push(restarted);
      expect((await new AccessTokenVerifier({ kind: 'cached', keySet: restarted }, opts).verify(token)).subject).toBe('s-1');
      // Without the file, the same restart has nothing to verify with.
      const bare = new RemoteKeySet(source.url, { timeoutMs: 300, retryMs: 0 });
      keySets.push(bare);
      expectUnavailable(await refusal(new AccessTokenVerifier({ kind: 'cached', keySet: bare }, opts).verify(token)));

      // Keys the issuer rotated in are learnt from the source as soon as it answers, and kept.
      source.mode = 'up';
      source.keys = await generateSigningKeySet();
      expect((await new AccessTokenVerifier({ kind: 'cached', keySet: restarted }, opts).verify(await sign(source.keys))).subject).toBe('s-1');
      expect(JSON.parse(readFileSync(cacheFile, 'utf8')).jwks).toEqual(source.keys.jwks());

      // A kept set older than a day is not trusted.
      source.mode = 'error';
      writeFileSync(cacheFile, JSON.stringify({ fetchedAt: Date.now() - 25 * 3_600_000, jwks: keys.jwks() }));
      const stale = new RemoteKeySet(source.url, { timeoutMs: 300, retryMs: 0, cacheFile });
      keySets.push(stale);
      expectUnavailable(await refusal(new AccessTokenVerifier({ kind: 'cached', keySet: stale }, opts).verify(token)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refreshes in the background, and a failed refresh keeps the set', async () => {
    const { keys, source, keySet, verifier } = await setup({ refreshIntervalMs: 100 });
    await verifier.verify(await sign(keys));
    source.mode = 'error';
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(keySet.fetches).toBeGreaterThan(1);
    expect((await verifier.verify(await sign(keys))).subject).toBe('s-1');
    // Withdrawn by the issuer: learnt by the next successful refresh.
    source.mode = 'up';
    source.keys = await generateSigningKeySet();
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(await refusal(verifier.verify(await sign(keys)))).toBeInstanceOf(UnauthorizedError);
  });
});
