import type { EntityManager } from '@mikro-orm/core';
import type { RefreshToken } from '../domain/refresh-token.js';
import { RefreshTokenSchema } from './refresh-token.schema.js';
import type { RefreshTokenRepository } from '../application/refresh-token-repository.port.js';

/** Refresh tokens (by hash) in this module's own database. */
export class OrmRefreshTokenRepository implements RefreshTokenRepository {
  findByHash(em: EntityManager, tokenHash: string): Promise<RefreshToken | null> {
    return em.findOne(RefreshTokenSchema, { tokenHash });
  }

  add(em: EntityManager, token: RefreshToken): void {
    em.create(RefreshTokenSchema, token);
  }

  /**
   * Marks an active token used, atomically: false when another request used or revoked it first
   * (so two concurrent refreshes with one token cannot both succeed).
   */
  async markUsed(em: EntityManager, id: string, now: Date): Promise<boolean> {
    const changed = await em.nativeUpdate(RefreshTokenSchema, { id, usedAt: null, revokedAt: null }, { usedAt: now });
    return changed === 1;
  }

  /** Revokes every token of a family that is not revoked yet. */
  revokeFamily(em: EntityManager, familyId: string, now: Date): Promise<number> {
    return revokeAll(em, { familyId }, now);
  }

  /** Revokes every live token of every family of an account: all its sessions end. */
  revokeAllOfUser(em: EntityManager, userId: string, now: Date): Promise<number> {
    return revokeAll(em, { userId }, now);
  }
}

/**
 * Revokes until nothing is left to revoke. On PostgreSQL (read committed) an UPDATE does not see
 * rows committed after it began: a refresh that had taken a token of the set (`markUsed` locks it)
 * makes the UPDATE wait, then commits the next token, which that UPDATE misses. The next UPDATE
 * sees it; one that changes nothing saw every token, and a refresh that comes later finds its
 * token revoked.
 */
async function revokeAll(em: EntityManager, where: { familyId: string } | { userId: string }, now: Date): Promise<number> {
  let total = 0;
  for (;;) {
    const changed = await em.nativeUpdate(RefreshTokenSchema, { ...where, revokedAt: null }, { revokedAt: now });
    if (changed === 0) return total;
    total += changed;
  }
}
