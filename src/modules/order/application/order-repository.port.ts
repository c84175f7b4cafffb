import type { InjectionToken } from 'tsyringe';
import type { Transaction } from '../../../kernel/events/unit-of-work.js';
import type { KnownProduct, Order } from '../domain/order.js';

export interface OrderRepository {
  /** The order as stored, a copy: its settlement is kept by `saveSettlement`. */
  findById(em: Transaction['em'], id: string): Promise<Order | null>;
  findByIdempotencyKey(em: Transaction['em'], userId: string, idempotencyKey: string): Promise<Order | null>;
  add(em: Transaction['em'], order: Order): Promise<void>;
  /**
   * Keeps the order's settlement (confirmed or cancelled) if it is still pending in the database,
   * whatever this copy says; false when another delivery settled it meanwhile.
   */
  saveSettlement(em: Transaction['em'], order: Order): Promise<boolean>;
  /** The customer's orders, newest first (ids are UUIDv7). */
  pageForUser(em: Transaction['em'], userId: string, limit: number, before?: string): Promise<{ items: Order[]; hasMore: boolean }>;
  knownProducts(em: Transaction['em'], ids: readonly string[]): Promise<Map<string, KnownProduct>>;
  saveKnownProduct(em: Transaction['em'], product: KnownProduct): Promise<void>;
}

/** Injection token of the port; infrastructure registers the implementation. */
export const OrderRepository: InjectionToken<OrderRepository> = Symbol('OrderRepository');
