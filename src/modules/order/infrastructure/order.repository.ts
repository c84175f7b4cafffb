import type { EntityManager } from '@mikro-orm/core';
import type { KnownProduct, Order } from '../domain/order.js';
import { KnownProductSchema } from './known-product.schema.js';
import { OrderSchema } from './order.schema.js';
import type { OrderRepository } from '../application/order-repository.port.js';

export class OrmOrderRepository implements OrderRepository {
  findById(em: EntityManager, id: string): Promise<Order | null> {
    return em.findOne(OrderSchema, { id });
  }

  findByIdempotencyKey(em: EntityManager, userId: string, idempotencyKey: string): Promise<Order | null> {
    return em.findOne(OrderSchema, { userId, idempotencyKey });
  }

  add(em: EntityManager, order: Order): void {
    em.create(OrderSchema, order);
  }

  /** The customer's orders, newest first (ids are UUIDv7). */
  async pageForUser(em: EntityManager, userId: string, limit: number, before?: string): Promise<{ items: Order[]; hasMore: boolean }> {
    const rows = await em.find(OrderSchema, before ? { userId, id: { $lt: before } } : { userId }, { orderBy: { id: 'desc' }, limit: limit + 1 });
    return { items: rows.slice(0, limit), hasMore: rows.length > limit };
  }

  async knownProducts(em: EntityManager, ids: readonly string[]): Promise<Map<string, KnownProduct>> {
    const rows = await em.find(KnownProductSchema, { productId: { $in: [...ids] } });
    return new Map(rows.map((p) => [p.productId, p]));
  }

  async saveKnownProduct(em: EntityManager, product: KnownProduct): Promise<void> {
    await em.upsert(KnownProductSchema, product);
  }
}
