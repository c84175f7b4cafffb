import type { InjectionToken } from 'tsyringe';
import type { Transaction } from '../../../kernel/events/unit-of-work.js';
import type { Reservation, ReservationLine, StockItem } from '../domain/stock.js';

/**
 * Stock moves are single conditional UPDATEs, never read-then-write, so that any number of
 * inventory replicas on one database cannot oversell.
 */
export interface StockRepository {
  findBySku(em: Transaction['em'], sku: string): Promise<StockItem | null>;
  addItemIfMissing(em: Transaction['em'], sku: string, productId: string, available: number): Promise<void>;
  /** Adds units; false when the SKU is unknown. */
  restock(em: Transaction['em'], sku: string, quantity: number): Promise<boolean>;
  /** Moves units from available to reserved if there are enough; false otherwise. */
  reserve(em: Transaction['em'], line: ReservationLine): Promise<boolean>;
  unreserve(em: Transaction['em'], line: ReservationLine): Promise<void>;
  sell(em: Transaction['em'], line: ReservationLine): Promise<void>;
  /** The reservation as stored, a copy: its settlement is kept by `saveSettlement`. */
  findReservation(em: Transaction['em'], orderId: string): Promise<Reservation | null>;
  addReservation(em: Transaction['em'], reservation: Reservation): Promise<void>;
  /**
   * Keeps the reservation's settlement (committed or released) if it still holds stock in the
   * database, whatever this copy says; false when another delivery settled it meanwhile.
   */
  saveSettlement(em: Transaction['em'], reservation: Reservation): Promise<boolean>;
}

/** Injection token of the port; infrastructure registers the implementation. */
export const StockRepository: InjectionToken<StockRepository> = Symbol('StockRepository');
