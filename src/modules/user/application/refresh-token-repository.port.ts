import type { InjectionToken } from 'tsyringe';
import type { Transaction } from '../../../kernel/events/unit-of-work.js';
import type { RefreshToken } from '../domain/refresh-token.js';

/** Refresh tokens (by hash) in this module's own database. */
export interface RefreshTokenRepository {
  findByHash(em: Transaction['em'], tokenHash: string): Promise<RefreshToken | null>;
  add(em: Transaction['em'], token: RefreshToken): void;
  /**
   * Marks an active token used, atomically: false when another request used or revoked it first
   * (so two concurrent refreshes with one token cannot both succeed).
   */
  markUsed(em: Transaction['em'], id: string, now: Date): Promise<boolean>;
  /** Revokes every token of a family that is not revoked yet. */
  revokeFamily(em: Transaction['em'], familyId: string, now: Date): Promise<number>;
  /** Revokes every live token of every family of an account: all its sessions end. */
  revokeAllOfUser(em: Transaction['em'], userId: string, now: Date): Promise<number>;
}

/** Injection token of the port; infrastructure registers the implementation. */
export const RefreshTokenRepository: InjectionToken<RefreshTokenRepository> = Symbol('RefreshTokenRepository');
