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

/** A class that handles events; its constructor parameters are injected from the module's container. */
// biome-ignore lint/suspicious/noExplicitAny: tsyringe's own constructor type; any class with injected parameters must fit it.
export type EventHandlerClass<T> = new (...args: any[]) => EventHandler<T>;

/** A module's declaration that it reacts to one event type. */
export interface Subscription<T = unknown> {
  contract: EventContract<T>;
  handler: EventHandlerClass<T> | InjectionToken<EventHandler<T>>;
}

/**
 * The one declaration of a subscription: the module host registers a handler class in the
 * module's container (a singleton, once however many events it handles), so a module never lists
 * its handlers a second time. A token that is not a class must be registered by the module.
 */
export function on<T>(contract: EventContract<T>, handler: EventHandlerClass<T> | InjectionToken<EventHandler<T>>): Subscription<T> {
  return { contract, handler } as Subscription<T>;
}

export interface ResolvedSubscription {
  contract: EventContract<unknown>;
  handler: EventHandler<unknown>;
}

/** Registers the subscriptions' handler classes in the module's container, then resolves every handler. */
export function resolveSubscriptions(subscriptions: readonly Subscription[], container: DependencyContainer): ResolvedSubscription[] {
  for (const { handler } of subscriptions) {
    if (typeof handler === 'function' && !container.isRegistered(handler)) container.registerSingleton(handler as EventHandlerClass<unknown>);
  }
  return subscriptions.map((s) => ({ contract: s.contract, handler: container.resolve(s.handler) }));
}
