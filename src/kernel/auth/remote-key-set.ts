import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';

/** undici costs ~20 MiB and ~0.1 s of start-up; only a process that reaches others over HTTP loads it. */
let undici: Promise<typeof import('undici')> | undefined;

/**
 * The key source could not be reached, so whether a token is valid cannot be told right now: a
 * 503 with Retry-After, never a 401 (which tells a client its credentials are bad and makes it
 * sign the user out).
 */
export class KeySourceUnavailableError extends Error {
  override name = 'KeySourceUnavailableError';
}

export interface RemoteKeySetOptions {
  /** Background refresh of a known set (keys added or withdrawn by the issuer show up this late). */
  refreshIntervalMs?: number;
  /** After a successful fetch, a token naming an unknown kid is refused without fetching again this soon. */
  cooldownMs?: number;
  /** After a failed fetch, tokens that need keys get 503 without fetching again this soon. */
  retryMs?: number;
  timeoutMs?: number;
  /**
   * Where the last good set is kept across restarts, written after each fetch. A process restarted
   * while the source is down would otherwise have no keys; the kept set serves only once a fetch
   * has failed, and only if it was fetched within KEPT_MAX_AGE_MS.
   */
  cacheFile?: string;
}

/** A kept set older than this is not trusted: keys the issuer withdrew meanwhile would still be. */
const KEPT_MAX_AGE_MS = 24 * 60 * 60_000;

type GetKey = ReturnType<typeof createLocalJWKSet>;

/**
 * A JWKS fetched over HTTP and kept: the last good set serves every token whose kid it knows, even
 * while the source is down, and with `cacheFile` even after a restart; it is fetched at start
 * (`warmUp`), refreshed in the background, and fetched on demand only for a kid it does not know
 * (rate-limited, so made-up kids cannot cause a fetch storm). With no set yet, or an unknown kid
 * while the source is down, verification fails with KeySourceUnavailableError.
 */
export class RemoteKeySet {
  private current: { jwks: JSONWebKeySet; getKey: GetKey } | undefined;
  /** The set an earlier run kept, for when the source cannot be reached. */
  private readonly kept: { jwks: JSONWebKeySet; getKey: GetKey } | undefined;
  private lastSuccessAt = 0;
  private lastFailureAt = 0;
  private inFlight: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly refreshIntervalMs: number;
  private readonly cooldownMs: number;
  private readonly retryMs: number;
  private readonly timeoutMs: number;
  private readonly cacheFile: string | undefined;
  /** Fetch attempts so far (for tests and diagnostics). */
  fetches = 0;

  constructor(
    private readonly url: string,
    options: RemoteKeySetOptions = {},
  ) {
    this.refreshIntervalMs = options.refreshIntervalMs ?? 5 * 60_000;
    this.cooldownMs = options.cooldownMs ?? 30_000;
    this.retryMs = options.retryMs ?? 1_000;
    this.timeoutMs = options.timeoutMs ?? 3_000;
    this.cacheFile = options.cacheFile;
    const kept = this.cacheFile ? readKept(this.cacheFile) : undefined;
    this.kept = kept && { jwks: kept, getKey: createLocalJWKSet(kept) };
  }

  /** Whether a fetch is under way (for tests and diagnostics). */
  get fetching(): boolean {
    return this.inFlight !== undefined;
  }

  /** Whether a fetch has succeeded (for tests and diagnostics). */
  get fetched(): boolean {
    return this.lastSuccessAt > 0;
  }

  /** For jose's `jwtVerify`. */
  readonly getKey: JWTVerifyGetKey = async (header, token) => {
    this.startRefreshing();
    // A failed fetch may have fallen back on the kept set.
    if (!this.current)
      await this.refresh(true).catch((err: unknown) => {
        if (!this.current) throw err;
      });
    try {
      return await this.current!.getKey(header, token);
    } catch (err) {
      if (!(err instanceof errors.JWKSNoMatchingKey)) throw err;
      // A kid we do not know: a rotated-in key, or a made-up one. Ask the source, unless it just said.
      if (Date.now() - this.lastSuccessAt < this.cooldownMs) throw err;
      await this.refresh(true);
      return this.current!.getKey(header, token);
    }
  };

  /**
   * Fetches the set now rather than for the first token, and until one arrives again every
   * `retryMs`. Fetched for the first token, the keys of an instance that became ready just before
   * the issuer went down would never come: it would answer 503 to every token for as long as the
   * issuer stayed down, although the issuer was up while it started.
   */
  warmUp(): void {
    this.startRefreshing();
    const attempt = (): void => {
      if (this.lastSuccessAt > 0 || !this.timer) return;
      this.refresh(false).catch(() => setTimeout(attempt, Math.max(this.retryMs, 1)).unref());
    };
    attempt();
  }

  /** Stops the background refresh (and the warm-up's retries). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private startRefreshing(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.refresh(false).catch(() => undefined), this.refreshIntervalMs);
    this.timer.unref();
  }

  /**
   * One fetch at a time; failures keep the set we had. Throws KeySourceUnavailableError on failure.
   * Fetches a token asks for are held back for `retryMs` after one of them failed (so a source that
   * is down is not asked once per request); background ones neither wait for nor hold back those.
   */
  private async refresh(forToken: boolean): Promise<void> {
    if (!this.inFlight) {
      if (forToken && Date.now() - this.lastFailureAt < this.retryMs) throw new KeySourceUnavailableError(`the key set at ${this.url} is unavailable`);
      this.inFlight = this.fetch(forToken).finally(() => (this.inFlight = undefined));
    }
    await this.inFlight;
  }

  private async fetch(forToken: boolean): Promise<void> {
    this.fetches++;
    try {
      undici ??= import('undici');
      const { request } = await undici;
      const res = await request(this.url, { headersTimeout: this.timeoutMs, bodyTimeout: this.timeoutMs, headers: { accept: 'application/json' } });
      if (res.statusCode !== 200) {
        await res.body.dump();
        throw new Error(`answered ${res.statusCode}`);
      }
      const jwks = (await res.body.json()) as JSONWebKeySet;
      if (!jwks || !Array.isArray(jwks.keys)) throw new Error('not a JSON Web Key Set');
      this.current = { jwks, getKey: createLocalJWKSet(jwks) };
      this.lastSuccessAt = Date.now();
      if (this.cacheFile) keep(this.cacheFile, jwks);
    } catch (err) {
      if (forToken) this.lastFailureAt = Date.now();
      // The source cannot be reached: what an earlier run kept serves until it can (an unknown kid still asks).
      this.current ??= this.kept;
      throw new KeySourceUnavailableError(`the key set at ${this.url} is unavailable: ${(err as Error).message}`);
    }
  }
}

/** A kept set, unless missing, unreadable, empty or older than KEPT_MAX_AGE_MS. */
function readKept(file: string): JSONWebKeySet | undefined {
  try {
    const { fetchedAt, jwks } = JSON.parse(readFileSync(file, 'utf8')) as { fetchedAt?: unknown; jwks?: JSONWebKeySet };
    const fresh = typeof fetchedAt === 'number' && Date.now() - fetchedAt < KEPT_MAX_AGE_MS;
    return fresh && Array.isArray(jwks?.keys) && jwks.keys.length > 0 ? jwks : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Best effort, written whole (renamed into place, readable by this user only): keeping the set must
 * never fail a request. Processes sharing a DATA_DIR may write the same file at once.
 */
function keep(file: string, jwks: JSONWebKeySet): void {
  const partial = `${file}.${randomUUID()}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(partial, JSON.stringify({ fetchedAt: Date.now(), jwks }), { mode: 0o600 });
    renameSync(partial, file);
  } catch {
    // A read-only or full disk: the set still serves from memory; no partial file stays behind.
    void rm(partial, { force: true }).catch(() => undefined);
  }
}
