import {
  createLocalJWKSet,
  createRemoteJWKSet,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { UnauthorizedError } from '../http/http.errors.js';
import type { SigningKeySet } from './signing-keys.js';

export interface Principal {
  subject: string;
  role: string;
  email?: string;
}

export type JwksSource = { kind: 'local'; keys: SigningKeySet } | { kind: 'remote'; url: string };

export interface AccessTokenVerifierOptions {
  issuer: string;
  /** One audience, or several of which the token must name one. */
  audience: string | string[];
  clockToleranceSeconds?: number;
}

// One message for every failure: telling a caller *why* a token was refused helps only an attacker.
const INVALID = 'The access token is invalid or expired.';

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
  /** Token → its principal and until when (epoch ms) that answer may be reused; oldest first. */
  private readonly verified = new Map<string, { principal: Principal; until: number }>();

  constructor(
    source: JwksSource,
    private readonly opts: AccessTokenVerifierOptions,
  ) {
    this.getKey =
      source.kind === 'local'
        ? createLocalJWKSet(source.keys.jwks())
        : // jose refetches when a token names an unknown kid, which is how rotated keys arrive;
          // the cooldown keeps garbage kids from turning into a fetch storm.
          createRemoteJWKSet(new URL(source.url), { cacheMaxAge: 10 * 60_000, cooldownDuration: 30_000 });
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
    } catch {
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
