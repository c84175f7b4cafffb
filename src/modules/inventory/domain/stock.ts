/** Units of one SKU. Invariant: available + reserved + sold = everything ever restocked. */
export interface StockItem {
  sku: string;
  productId: string;
  available: number;
  reserved: number;
  sold: number;
  updatedAt: Date;
}

export type ReservationStatus = 'reserved' | 'rejected' | 'committed' | 'released';

export interface ReservationLine {
  sku: string;
  quantity: number;
}

/** What inventory did for one order; its status moves only forward. */
export interface Reservation {
  orderId: string;
  userId: string;
  status: ReservationStatus;
  lines: ReservationLine[];
  createdAt: Date;
  updatedAt: Date;
}

/**
 * A reservation is settled once: sold when the order is paid (`committed`), given back when it is
 * cancelled (`released`). False when it was not holding stock (already settled, or rejected), so a
 * late or repeated event moves no units.
 */
export function settleReservation(reservation: Reservation, outcome: 'committed' | 'released', now: Date): boolean {
  if (reservation.status !== 'reserved') return false;
  reservation.status = outcome;
  reservation.updatedAt = now;
  return true;
}

/**
 * One line per SKU (quantities of repeated SKUs added up), in SKU order, so that concurrent
 * reservations touch rows in the same order and cannot deadlock each other.
 */
export function planReservation(lines: readonly ReservationLine[]): ReservationLine[] {
  const bySku = new Map<string, number>();
  for (const { sku, quantity } of lines) bySku.set(sku, (bySku.get(sku) ?? 0) + quantity);
  return [...bySku.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([sku, quantity]) => ({ sku, quantity }));
}
