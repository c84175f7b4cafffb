import type { DependencyContainer, InjectionToken } from 'tsyringe';
import type { Transaction } from './unit-of-work.js';
import type { EventContract } from './event-contract.js';
import type { EventEnvelope } from './event-envelope.js';

/**
 * Applies one event inside the consuming module's transaction. The inbox record is written in the
 * same transaction, and anything published through `tx` commits with it.
 */
export interface EventHandler<T, P = unknown> {
  /**
   * Optional work before the transaction opens, such as a call to a slow outside service, so that
   * no database connection or lock waits for it. It runs again when the event is redelivered, so it
   * must be idempotent (an idempotency key at the outside service). Its result goes to `handle`.
   */
  prepare?(event: EventEnvelope<T>): Promise<P>;
  handle(event: EventEnvelope<T>, tx: Transaction, prepared: P): Promise<void>;
}

/** A module's declaration that it reacts to one event type. */
export interface Subscription<T = unknown> {
  contract: EventContract<T>;
  handler: InjectionToken<EventHandler<T>>;
}

export function on<T>(contract: EventContract<T>, handler: InjectionToken<EventHandler<T>>): Subscription<T> {
  return { contract, handler } as Subscription<T>;
}

export interface ResolvedSubscription {
  contract: EventContract<unknown>;
  handler: EventHandler<unknown>;
}

export function resolveSubscriptions(subscriptions: readonly Subscription[], container: DependencyContainer): ResolvedSubscription[] {
  return subscriptions.map((s) => ({ contract: s.contract, handler: container.resolve(s.handler) }));
}
