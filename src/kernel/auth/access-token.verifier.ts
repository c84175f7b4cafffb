import { createLocalJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { HttpError, UnauthorizedError } from '../errors/http.errors.js';
import { KeySourceUnavailableError, RemoteKeySet } from './remote-key-set.js';
import type { SigningKeySet } from './signing-keys.js';

export interface Principal {
  subject: string;
  role: string;
  email?: string;
}

export type JwksSource =
  | { kind: 'local'; keys: SigningKeySet }
  /** `cacheFile`: where the last good set is kept across restarts (RemoteKeySetOptions). */
  | { kind: 'remote'; url: string; cacheFile?: string }
  | { kind: 'cached'; keySet: RemoteKeySet };

export interface AccessTokenVerifierOptions {
  issuer: string;
  /** One audience, or several of which the token must name one. */
  audience: string | string[];
  clockToleranceSeconds?: number;
}

// One message for every failure: telling a caller *why* a token was refused helps only an attacker.
const INVALID = 'The access token is invalid or expired.';
/** How long a client is asked to wait while the keys cannot be had. */
const KEYS_RETRY_AFTER_SECONDS = 2;

/** 503 + Retry-After: the token may well be valid, it cannot be checked right now. */
export class TokenKeysUnavailableError extends HttpError {
  constructor() {
    super(503, 'Service Unavailable', 'The keys that verify tokens are briefly unavailable; try again shortly.', undefined, {
      'Retry-After': String(KEYS_RETRY_AFTER_SECONDS),
    });
  }
}

/**
 * Tokens verified lately, so that the same token presented again (every request of a client, and
 * every hop of a split deployment: gateway, then the module process for the service token and the
 * user token) costs a map lookup instead of an ES256 verification (about a fifth of a gateway's
 * CPU under load, see bench/README.md). Only successes are kept; an entry lasts until the token
 * expires but at most VERIFIED_TTL_MS, so a key withdrawn from the JWKS stops being honoured
 * within that time even for tokens already seen.
 */
const VERIFIED_TTL_MS = 60_000;
const VERIFIED_MAX = 10_000;

export class AccessTokenVerifier {
  private readonly getKey: JWTVerifyGetKey;
  private readonly remote?: RemoteKeySet;
  /** Token → its principal and until when (epoch ms) that answer may be reused; oldest first. */
  private readonly verified = new Map<string, { principal: Principal; until: number }>();

  constructor(
    source: JwksSource,
    private readonly opts: AccessTokenVerifierOptions,
  ) {
    if (source.kind === 'local') {
      this.getKey = createLocalJWKSet(source.keys.jwks());
    } else {
      // The last good key set, refreshed in the background and fetched on an unknown kid only (that
      // is how rotated keys arrive); a source that is down never turns valid tokens into 401s.
      this.remote = source.kind === 'remote' ? new RemoteKeySet(source.url, { cacheFile: source.cacheFile }) : source.keySet;
      this.getKey = this.remote.getKey;
    }
  }

  /** Fetches a remote key set now, before the first token needs it (see RemoteKeySet.warmUp). */
  prefetchKeys(): void {
    this.remote?.warmUp();
  }

  /** Stops the remote key set's background work. */
  stop(): void {
    this.remote?.stop();
  }

  async verify(token: string): Promise<Principal> {
    const now = Date.now();
    const known = this.verified.get(token);
    if (known) {
      if (known.until > now) return known.principal;
      this.verified.delete(token);
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.getKey, {
        // Pinning the algorithm rules out `none` and HMAC-with-the-public-key confusion.
        algorithms: ['ES256'],
        issuer: this.opts.issuer,
        audience: this.opts.audience,
        clockTolerance: this.opts.clockToleranceSeconds ?? 30,
        requiredClaims: ['sub', 'exp'],
      }));
    } catch (err) {
      if (err instanceof KeySourceUnavailableError) throw new TokenKeysUnavailableError();
      throw new UnauthorizedError(INVALID);
    }
    const principal = Object.freeze(toPrincipal(payload));
    // requiredClaims guarantees exp; the entry never outlives the token (nor its clock tolerance).
    const until = Math.min(Number(payload.exp) * 1000, now + VERIFIED_TTL_MS);
    if (until > now) {
      if (this.verified.size >= VERIFIED_MAX) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(token, { principal, until });
    }
    return principal;
  }
}

function toPrincipal(payload: JWTPayload): Principal {
  const { sub, role, email } = payload;
  if (typeof sub !== 'string' || sub === '' || typeof role !== 'string' || role === '') {
    throw new UnauthorizedError(INVALID);
  }
  if (email !== undefined && typeof email !== 'string') throw new UnauthorizedError(INVALID);
  return email === undefined ? { subject: sub, role } : { subject: sub, role, email };
}
