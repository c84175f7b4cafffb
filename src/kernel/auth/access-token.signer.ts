import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { SigningKeySet } from './signing-keys.js';

export interface AccessTokenClaims {
  subject: string;
  role: string;
  email?: string;
}

export interface AccessTokenSignerOptions {
  issuer: string;
  audience: string;
  ttlSeconds: number;
}

export class AccessTokenSigner {
  constructor(
    private readonly keys: SigningKeySet,
    private readonly opts: AccessTokenSignerOptions,
  ) {
    if (!Number.isFinite(opts.ttlSeconds)) throw new Error('Access token ttlSeconds must be a finite number.');
  }

  async sign(claims: AccessTokenClaims): Promise<{ token: string; expiresIn: number }> {
    // Read the active key per call, so a key set rotated in place is picked up without a restart.
    const key = this.keys.active;
    const now = Math.floor(Date.now() / 1000);
    const payload: Record<string, string> = { role: claims.role };
    if (claims.email !== undefined) payload.email = claims.email;
    const token = await new SignJWT(payload)
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
      .setSubject(claims.subject)
      .setIssuer(this.opts.issuer)
      .setAudience(this.opts.audience)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + this.opts.ttlSeconds)
      // A unique id lets a future deny-list revoke one token without rotating keys.
      .setJti(randomUUID())
      .sign(key.privateKey);
    return { token, expiresIn: this.opts.ttlSeconds };
  }
}
