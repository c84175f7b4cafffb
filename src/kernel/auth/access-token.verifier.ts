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

export class AccessTokenVerifier {
  private readonly getKey: JWTVerifyGetKey;

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
    return toPrincipal(payload);
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
