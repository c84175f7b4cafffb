import type { EntityManager } from '@mikro-orm/core';
import { changeRows, insertEntity, selectEntities, tableOf } from '../../../kernel/db/plain-sql.js';
import type { Reservation, ReservationLine, StockItem } from '../domain/stock.js';
import { ReservationSchema } from './reservation.schema.js';
import { StockItemSchema } from './stock-item.schema.js';
import type { StockRepository } from '../application/stock-repository.port.js';

/**
 * Stock moves are single conditional UPDATEs, never read-then-write, so that any number of
 * inventory replicas on one database cannot oversell. What the saga does on every order (stock
 * moves, reservations) is plain SQL; the rest goes through the ORM's entities.
 */
export class OrmStockRepository implements StockRepository {
  findBySku(em: EntityManager, sku: string): Promise<StockItem | null> {
    return em.findOne(StockItemSchema, { sku }, { refresh: true });
  }

  async addItemIfMissing(em: EntityManager, sku: string, productId: string, available: number): Promise<void> {
    if (await em.findOne(StockItemSchema, { sku })) return;
    em.create(StockItemSchema, { sku, productId, available, reserved: 0, sold: 0, updatedAt: new Date() });
  }

  /** Adds units; false when the SKU is unknown. */
  async restock(em: EntityManager, sku: string, quantity: number): Promise<boolean> {
    return (await this.move(em, sku, 'available = available + ?', [quantity])) === 1;
  }

  /** Moves units from available to reserved if there are enough; false otherwise. */
  async reserve(em: EntityManager, line: ReservationLine): Promise<boolean> {
    return (await this.move(em, line.sku, 'available = available - ?, reserved = reserved + ?', [line.quantity, line.quantity], line.quantity)) === 1;
  }

  async unreserve(em: EntityManager, line: ReservationLine): Promise<void> {
    await this.move(em, line.sku, 'available = available + ?, reserved = reserved - ?', [line.quantity, line.quantity]);
  }

  async sell(em: EntityManager, line: ReservationLine): Promise<void> {
    await this.move(em, line.sku, 'reserved = reserved - ?, sold = sold + ?', [line.quantity, line.quantity]);
  }

  async findReservation(em: EntityManager, orderId: string): Promise<Reservation | null> {
    const [reservation] = await selectEntities(em, ReservationSchema, 'order_id = ?', [orderId]);
    return reservation ?? null;
  }

  addReservation(em: EntityManager, reservation: Reservation): Promise<void> {
    return insertEntity(em, ReservationSchema, reservation);
  }

  async saveSettlement(em: EntityManager, r: Reservation): Promise<boolean> {
    const changed = await changeRows(em, `update ${tableOf(em, ReservationSchema)} set status = ?, updated_at = ? where order_id = ? and status = ?`, [
      r.status,
      r.updatedAt,
      r.orderId,
      'reserved',
    ]);
    return changed === 1;
  }

  /** One conditional UPDATE of a SKU's counters (`atLeast`: only with that many units available). */
  private move(em: EntityManager, sku: string, set: string, params: readonly number[], atLeast?: number): Promise<number> {
    const where = atLeast === undefined ? 'sku = ?' : 'sku = ? and available >= ?';
    return changeRows(em, `update ${tableOf(em, StockItemSchema)} set ${set}, updated_at = ? where ${where}`, [
      ...params,
      new Date(),
      sku,
      ...(atLeast === undefined ? [] : [atLeast]),
    ]);
  }
}
