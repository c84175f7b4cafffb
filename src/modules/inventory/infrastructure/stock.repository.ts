import { raw, type EntityManager } from '@mikro-orm/core';
import type { Reservation, ReservationLine, StockItem } from '../domain/stock.js';
import { ReservationSchema } from './reservation.schema.js';
import { StockItemSchema } from './stock-item.schema.js';
import type { StockRepository } from '../application/stock-repository.port.js';

/**
 * Stock moves are single conditional UPDATEs, never read-then-write, so that any number of
 * inventory replicas on one database cannot oversell.
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
    return (await em.nativeUpdate(StockItemSchema, { sku }, { available: raw('available + ?', [quantity]), updatedAt: new Date() })) === 1;
  }

  /** Moves units from available to reserved if there are enough; false otherwise. */
  async reserve(em: EntityManager, line: ReservationLine): Promise<boolean> {
    const updated = await em.nativeUpdate(
      StockItemSchema,
      { sku: line.sku, available: { $gte: line.quantity } },
      { available: raw('available - ?', [line.quantity]), reserved: raw('reserved + ?', [line.quantity]), updatedAt: new Date() },
    );
    return updated === 1;
  }

  async unreserve(em: EntityManager, line: ReservationLine): Promise<void> {
    await em.nativeUpdate(
      StockItemSchema,
      { sku: line.sku },
      { available: raw('available + ?', [line.quantity]), reserved: raw('reserved - ?', [line.quantity]), updatedAt: new Date() },
    );
  }

  async sell(em: EntityManager, line: ReservationLine): Promise<void> {
    await em.nativeUpdate(
      StockItemSchema,
      { sku: line.sku },
      { reserved: raw('reserved - ?', [line.quantity]), sold: raw('sold + ?', [line.quantity]), updatedAt: new Date() },
    );
  }

  findReservation(em: EntityManager, orderId: string): Promise<Reservation | null> {
    return em.findOne(ReservationSchema, { orderId });
  }

  addReservation(em: EntityManager, reservation: Reservation): void {
    em.create(ReservationSchema, reservation);
  }
}
