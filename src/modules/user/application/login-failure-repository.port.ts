import type { InjectionToken } from 'tsyringe';
import type { Transaction } from '../../../kernel/events/unit-of-work.js';

/** Failed sign-ins per key, in this module's database (shared by its replicas, kept across restarts). */
export interface LoginFailureRepository {
  /** Times of the key's failures after `since`, oldest first, leaving out the given rows. */
  failuresSince(em: Transaction['em'], scopeKey: string, since: Date, excluding?: readonly string[]): Promise<Date[]>;
  add(em: Transaction['em'], scopeKey: string, failedAt: Date): string;
  remove(em: Transaction['em'], ids: readonly string[]): Promise<number>;
  clear(em: Transaction['em'], scopeKey: string): Promise<number>;
  /** Forgets failures that have left every window. */
  prune(em: Transaction['em'], before: Date): Promise<number>;
}

/** Injection token of the port; infrastructure registers the implementation. */
export const LoginFailureRepository: InjectionToken<LoginFailureRepository> = Symbol('LoginFailureRepository');
