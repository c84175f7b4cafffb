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
    return em.nativeUpdate(RefreshTokenSchema, { familyId, revokedAt: null }, { revokedAt: now });
  }

  /** Revokes every live token of every family of an account: all its sessions end. */
  revokeAllOfUser(em: EntityManager, userId: string, now: Date): Promise<number> {
    return em.nativeUpdate(RefreshTokenSchema, { userId, revokedAt: null }, { revokedAt: now });
  }
}
