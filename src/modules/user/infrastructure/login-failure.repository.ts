import type { EntityManager } from '@mikro-orm/core';
import { newId } from '../../../kernel/ids/id.generator.js';
import { LoginFailureSchema } from './login-failure.schema.js';
import type { LoginFailureRepository } from '../application/login-failure-repository.port.js';

/** Failed sign-ins per key, in this module's database (shared by its replicas, kept across restarts). */
export class OrmLoginFailureRepository implements LoginFailureRepository {
  /** Times of the key's failures after `since`, oldest first, leaving out the given rows. */
  async failuresSince(em: EntityManager, scopeKey: string, since: Date, excluding: readonly string[] = []): Promise<Date[]> {
    const rows = await em.find(
      LoginFailureSchema,
      { scopeKey, failedAt: { $gt: since }, ...(excluding.length > 0 ? { id: { $nin: [...excluding] } } : {}) },
      { orderBy: { failedAt: 'asc' }, fields: ['failedAt'] },
    );
    return rows.map((r) => r.failedAt);
  }

  add(em: EntityManager, scopeKey: string, failedAt: Date): string {
    const id = newId();
    em.create(LoginFailureSchema, { id, scopeKey, failedAt });
    return id;
  }

  remove(em: EntityManager, ids: readonly string[]): Promise<number> {
    return em.nativeDelete(LoginFailureSchema, { id: { $in: [...ids] } });
  }

  clear(em: EntityManager, scopeKey: string): Promise<number> {
    return em.nativeDelete(LoginFailureSchema, { scopeKey });
  }

  /** Forgets failures that have left every window. */
  prune(em: EntityManager, before: Date): Promise<number> {
    return em.nativeDelete(LoginFailureSchema, { failedAt: { $lt: before } });
  }
}
