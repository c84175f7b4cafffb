import type { EntityManager } from '@mikro-orm/core';
import type { User } from '../domain/user.js';
import { UserSchema } from './user.schema.js';
import type { UserRepository } from '../application/user-repository.port.js';

/** Accounts in this module's own database. */
export class OrmUserRepository implements UserRepository {
  findById(em: EntityManager, id: string): Promise<User | null> {
    return em.findOne(UserSchema, { id });
  }

  findByEmail(em: EntityManager, email: string): Promise<User | null> {
    return em.findOne(UserSchema, { email });
  }

  add(em: EntityManager, user: User): void {
    em.create(UserSchema, user);
  }
}
