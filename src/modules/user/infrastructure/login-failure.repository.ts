import type { EntityManager } from '@mikro-orm/core';
import { v7 as uuidv7 } from 'uuid';
import { LoginFailureSchema } from './login-failure.schema.js';

/** Failed sign-ins per key, in this module's database (shared by its replicas, kept across restarts). */
export class LoginFailureRepository {
  /** Times of the key's failures after `since`, oldest first. */
  async failuresSince(em: EntityManager, scopeKey: string, since: Date): Promise<Date[]> {
    const rows = await em.find(LoginFailureSchema, { scopeKey, failedAt: { $gt: since } }, { orderBy: { failedAt: 'asc' }, fields: ['failedAt'] });
    return rows.map((r) => r.failedAt);
  }

  add(em: EntityManager, scopeKey: string, failedAt: Date): void {
    em.create(LoginFailureSchema, { id: uuidv7(), scopeKey, failedAt });
  }

  clear(em: EntityManager, scopeKey: string): Promise<number> {
    return em.nativeDelete(LoginFailureSchema, { scopeKey });
  }

  /** Forgets failures that have left every window. */
  prune(em: EntityManager, before: Date): Promise<number> {
    return em.nativeDelete(LoginFailureSchema, { failedAt: { $lt: before } });
  }
}
