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
 * Verified tokens remembered, by their exact text: a client sends the same token with every
 * request, and an ES256 verification costs ~0.15 ms of CPU. An entry lives until the token expires
 * or for a minute at most, so a key withdrawn from the key set stops being accepted within that.
 */
const VERIFIED_TOKENS = 5_000;
const VERIFIED_TTL_MS = 60_000;

export class AccessTokenVerifier {
  private readonly getKey: JWTVerifyGetKey;
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
    const known = this.verified.get(token);
    if (known && known.until > Date.now()) return known.principal;
    if (known) this.verified.delete(token);
    const { principal, expiresAt } = await this.verifySignature(token);
    if (this.verified.size >= VERIFIED_TOKENS) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(token, { principal, until: Math.min(expiresAt, Date.now() + VERIFIED_TTL_MS) });
    return principal;
  }

  private async verifySignature(token: string): Promise<{ principal: Principal; expiresAt: number }> {
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
    // `exp` is required above; the clock tolerance is not extended to remembered tokens.
    return { principal: toPrincipal(payload), expiresAt: payload.exp! * 1000 };
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
