import type { InjectionToken } from 'tsyringe';
import type { Transaction } from '../../../kernel/events/unit-of-work.js';
import type { User } from '../domain/user.js';

/** Accounts in this module's own database. */
export interface UserRepository {
  findById(em: Transaction['em'], id: string): Promise<User | null>;
  findByEmail(em: Transaction['em'], email: string): Promise<User | null>;
  add(em: Transaction['em'], user: User): void;
}

/** Injection token of the port; infrastructure registers the implementation. */
export const UserRepository: InjectionToken<UserRepository> = Symbol('UserRepository');
