import type { EntityManager } from '@mikro-orm/core';
import { changeRows, insertEntity, selectEntities, tableOf } from '../../../kernel/db/plain-sql.js';
import type { KnownProduct, Order } from '../domain/order.js';
import { KnownProductSchema } from './known-product.schema.js';
import { OrderSchema } from './order.schema.js';
import type { OrderRepository } from '../application/order-repository.port.js';

/**
 * What every order goes through (placed, looked up, settled, polled) is plain SQL, and an order
 * read here is a plain object whose settlement is kept by `saveSettlement`; the customer's order list and
 * the price list go through the ORM's entities.
 */
export class OrmOrderRepository implements OrderRepository {
  async findById(em: EntityManager, id: string): Promise<Order | null> {
    const [order] = await selectEntities(em, OrderSchema, 'id = ?', [id]);
    return order ?? null;
  }

  async findByIdempotencyKey(em: EntityManager, userId: string, idempotencyKey: string): Promise<Order | null> {
    const [order] = await selectEntities(em, OrderSchema, 'user_id = ? and idempotency_key = ?', [userId, idempotencyKey]);
    return order ?? null;
  }

  add(em: EntityManager, order: Order): Promise<void> {
    return insertEntity(em, OrderSchema, order);
  }

  async saveSettlement(em: EntityManager, o: Order): Promise<boolean> {
    const changed = await changeRows(em, `update ${tableOf(em, OrderSchema)} set status = ?, cancel_reason = ?, updated_at = ? where id = ? and status = ?`, [
      o.status,
      o.cancelReason,
      o.updatedAt,
      o.id,
      'pending',
    ]);
    return changed === 1;
  }

  /** The customer's orders, newest first (ids are UUIDv7). */
  async pageForUser(em: EntityManager, userId: string, limit: number, before?: string): Promise<{ items: Order[]; hasMore: boolean }> {
    const rows = await em.find(OrderSchema, before ? { userId, id: { $lt: before } } : { userId }, { orderBy: { id: 'desc' }, limit: limit + 1 });
    return { items: rows.slice(0, limit), hasMore: rows.length > limit };
  }

  async knownProducts(em: EntityManager, ids: readonly string[]): Promise<Map<string, KnownProduct>> {
    if (ids.length === 0) return new Map();
    const found = await selectEntities(em, KnownProductSchema, `product_id in (${ids.map(() => '?').join(', ')})`, ids);
    return new Map(found.map((p) => [p.productId, p]));
  }

  async saveKnownProduct(em: EntityManager, product: KnownProduct): Promise<void> {
    await em.upsert(KnownProductSchema, product);
  }
}
