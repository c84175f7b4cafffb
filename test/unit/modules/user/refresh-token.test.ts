import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateRefreshToken, hashRefreshToken, refreshTokenState, type RefreshToken } from '../../../../src/modules/user/domain/refresh-token.js';

const now = new Date('2026-01-01T00:00:00Z');
function token(fields: Partial<RefreshToken> = {}): RefreshToken {
  return {
    id: 'id',
    tokenHash: 'h',
    familyId: 'f',
    userId: 'u',
    expiresAt: new Date(now.getTime() + 60_000),
    createdAt: now,
    usedAt: null,
    revokedAt: null,
    ...fields,
  };
}

describe('refresh tokens', () => {
  it('are 256 random bits in base64url, never twice the same', () => {
    const tokens = new Set(Array.from({ length: 1_000 }, generateRefreshToken));
    expect(tokens.size).toBe(1_000);
    for (const t of tokens) {
      expect(t).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(t, 'base64url')).toHaveLength(32);
    }
  });

  it('are stored as their hex SHA-256', () => {
    const t = generateRefreshToken();
    expect(hashRefreshToken(t)).toBe(createHash('sha256').update(t).digest('hex'));
    expect(hashRefreshToken(t)).not.toContain(t);
  });

  it('are active, used, revoked or expired (revocation first, then use, then expiry)', () => {
    expect(refreshTokenState(token(), now)).toBe('active');
    expect(refreshTokenState(token({ expiresAt: now }), now)).toBe('expired');
    expect(refreshTokenState(token({ usedAt: now, expiresAt: now }), now)).toBe('used');
    expect(refreshTokenState(token({ usedAt: now, revokedAt: now }), now)).toBe('revoked');
  });
});
