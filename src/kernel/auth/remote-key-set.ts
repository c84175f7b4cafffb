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
}

type GetKey = ReturnType<typeof createLocalJWKSet>;

/**
 * A JWKS fetched over HTTP and kept: the last good set serves every token whose kid it knows, even
 * while the source is down; it is refreshed in the background, and fetched on demand only for a
 * kid it does not know (rate-limited, so made-up kids cannot cause a fetch storm). With no set yet,
 * or an unknown kid while the source is down, verification fails with KeySourceUnavailableError.
 */
export class RemoteKeySet {
  private current: { jwks: JSONWebKeySet; getKey: GetKey } | undefined;
  private lastSuccessAt = 0;
  private lastFailureAt = 0;
  private inFlight: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly refreshIntervalMs: number;
  private readonly cooldownMs: number;
  private readonly retryMs: number;
  private readonly timeoutMs: number;
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
  }

  /** For jose's `jwtVerify`. */
  readonly getKey: JWTVerifyGetKey = async (header, token) => {
    this.startRefreshing();
    if (!this.current) await this.refresh();
    try {
      return await this.current!.getKey(header, token);
    } catch (err) {
      if (!(err instanceof errors.JWKSNoMatchingKey)) throw err;
      // A kid we do not know: a rotated-in key, or a made-up one. Ask the source, unless it just said.
      if (Date.now() - this.lastSuccessAt < this.cooldownMs) throw err;
      await this.refresh();
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
      if (this.current || !this.timer) return;
      this.refresh().catch(() => setTimeout(attempt, Math.max(this.retryMs, 1)).unref());
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
    this.timer = setInterval(() => void this.refresh().catch(() => undefined), this.refreshIntervalMs);
    this.timer.unref();
  }

  /** One fetch at a time; failures keep the set we had. Throws KeySourceUnavailableError on failure. */
  private async refresh(): Promise<void> {
    if (!this.inFlight) {
      if (Date.now() - this.lastFailureAt < this.retryMs) throw new KeySourceUnavailableError(`the key set at ${this.url} is unavailable`);
      this.inFlight = this.fetch().finally(() => (this.inFlight = undefined));
    }
    await this.inFlight;
  }

  private async fetch(): Promise<void> {
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
    } catch (err) {
      this.lastFailureAt = Date.now();
      throw new KeySourceUnavailableError(`the key set at ${this.url} is unavailable: ${(err as Error).message}`);
    }
  }
}
