import { createHash, randomBytes } from 'node:crypto';

/**
 * One refresh token of a login session ("family"). Only the SHA-256 of the token is stored: the
 * token itself is 256 random bits, so a plain hash is enough and a stolen table gives nothing usable.
 */
export interface RefreshToken {
  id: string;
  /** Hex SHA-256 of the opaque token. */
  tokenHash: string;
  /** Every token rotated from one password sign-in shares it; reuse revokes the whole family. */
  familyId: string;
  userId: string;
  expiresAt: Date;
  createdAt: Date;
  /** Set when the token was exchanged for a new one; presenting it again is reuse. */
  usedAt: Date | null;
  revokedAt: Date | null;
}

/** A new opaque refresh token: 256 random bits, base64url (43 characters). */
export function generateRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export type RefreshTokenState = 'active' | 'used' | 'revoked' | 'expired';

export function refreshTokenState(token: RefreshToken, now: Date): RefreshTokenState {
  if (token.revokedAt) return 'revoked';
  if (token.usedAt) return 'used';
  if (token.expiresAt.getTime() <= now.getTime()) return 'expired';
  return 'active';
}
