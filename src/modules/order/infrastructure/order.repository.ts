import type { EntityManager } from '@mikro-orm/core';
import { changeRows, dateColumn, jsonColumn, selectRows, tableOf } from '../../../kernel/db/plain-sql.js';
import type { Money } from '../../../kernel/shared/money.js';
import type { CancelReason } from '../contracts/order-cancelled.event.js';
import type { KnownProduct, Order, OrderLine, OrderStatus } from '../domain/order.js';
import { KnownProductSchema } from './known-product.schema.js';
import { OrderSchema } from './order.schema.js';
import type { OrderRepository } from '../application/order-repository.port.js';

const ORDER_COLUMNS = 'id, user_id, status, items, total, payment_method, cancel_reason, idempotency_key, request_hash, created_at, updated_at';

interface OrderRow {
  id: string;
  user_id: string;
  status: OrderStatus;
  items: unknown;
  total: unknown;
  payment_method: string;
  cancel_reason: CancelReason | null;
  idempotency_key: string | null;
  request_hash: string | null;
  created_at: unknown;
  updated_at: unknown;
}

function toOrder(row: OrderRow): Order {
  return {
    id: row.id,
    userId: row.user_id,
    status: row.status,
    items: jsonColumn<OrderLine[]>(row.items),
    total: jsonColumn<Money>(row.total),
    paymentMethod: row.payment_method,
    cancelReason: row.cancel_reason,
    idempotencyKey: row.idempotency_key,
    requestHash: row.request_hash,
    createdAt: dateColumn(row.created_at),
    updatedAt: dateColumn(row.updated_at),
  };
}

/**
 * What every order goes through (placed, looked up, settled, polled) is plain SQL, and an order
 * read here is a plain object whose settlement is kept by `saveSettlement`; the customer's order list and
 * the price list go through the ORM's entities.
 */
export class OrmOrderRepository implements OrderRepository {
  async findById(em: EntityManager, id: string): Promise<Order | null> {
    const [row] = await selectRows<OrderRow>(em, `select ${ORDER_COLUMNS} from ${tableOf(em, OrderSchema)} where id = ?`, [id]);
    return row ? toOrder(row) : null;
  }

  async findByIdempotencyKey(em: EntityManager, userId: string, idempotencyKey: string): Promise<Order | null> {
    const [row] = await selectRows<OrderRow>(em, `select ${ORDER_COLUMNS} from ${tableOf(em, OrderSchema)} where user_id = ? and idempotency_key = ?`, [
      userId,
      idempotencyKey,
    ]);
    return row ? toOrder(row) : null;
  }

  async add(em: EntityManager, o: Order): Promise<void> {
    await changeRows(em, `insert into ${tableOf(em, OrderSchema)} (${ORDER_COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
      o.id,
      o.userId,
      o.status,
      JSON.stringify(o.items),
      JSON.stringify(o.total),
      o.paymentMethod,
      o.cancelReason,
      o.idempotencyKey,
      o.requestHash,
      o.createdAt,
      o.updatedAt,
    ]);
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
    const rows = await selectRows<{ product_id: string; sku: string; name: string; price: unknown }>(
      em,
      `select product_id, sku, name, price from ${tableOf(em, KnownProductSchema)} where product_id in (${ids.map(() => '?').join(', ')})`,
      ids,
    );
    return new Map(rows.map((r) => [r.product_id, { productId: r.product_id, sku: r.sku, name: r.name, price: jsonColumn<Money>(r.price) }]));
  }

  async saveKnownProduct(em: EntityManager, product: KnownProduct): Promise<void> {
    await em.upsert(KnownProductSchema, product);
  }
}
