import { Counter, Histogram, type Registry } from 'prom-client';
import type { EventEnvelope } from '../kernel/events/event-envelope.js';
import { CancelReasonSchema, OrderCancelledV1 } from '../modules/order/contracts/order-cancelled.event.js';
import { OrderConfirmedV1 } from '../modules/order/contracts/order-confirmed.event.js';
import { OrderPlacedV1 } from '../modules/order/contracts/order-placed.event.js';
import { PaymentCapturedV1 } from '../modules/payment/contracts/payment-captured.event.js';

/** The creation time of a UUIDv7 (its first 48 bits, epoch milliseconds). */
function uuidv7Millis(id: string): number {
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}

/**
 * Business figures, read off the saga's events as their publisher commits them (so each is counted
 * once, by the process that caused it, whichever replicas there are): no module code knows of them.
 */
export class BusinessMetrics {
  private readonly placed: Counter;
  private readonly confirmed: Counter;
  private readonly cancelled: Counter<'reason'>;
  private readonly saga: Histogram<'outcome'>;
  private readonly captured: Counter<'currency'>;
  private readonly capturedAmount: Counter<'currency'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.placed = new Counter({ name: 'orders_placed_total', help: 'Orders accepted (pending)', registers });
    this.confirmed = new Counter({ name: 'orders_confirmed_total', help: 'Orders confirmed (stock reserved, payment captured)', registers });
    this.cancelled = new Counter({ name: 'orders_cancelled_total', help: 'Orders cancelled, by reason', labelNames: ['reason'], registers });
    this.saga = new Histogram({
      name: 'order_saga_duration_seconds',
      help: 'From an order placed to confirmed or cancelled',
      labelNames: ['outcome'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.captured = new Counter({ name: 'payments_captured_total', help: 'Payments captured, by currency', labelNames: ['currency'], registers });
    this.capturedAmount = new Counter({
      name: 'payments_captured_amount_minor_total',
      help: 'Amount captured in minor units (cents), by currency',
      labelNames: ['currency'],
      registers,
    });
    // Known from the first scrape on, so rates and alerts see zero rather than no series.
    for (const reason of CancelReasonSchema.options) this.cancelled.inc({ reason }, 0);
  }

  /** For the unit of work: the events a transaction committed. */
  readonly observe = (events: readonly EventEnvelope[]): void => {
    for (const event of events) {
      switch (event.type) {
        case OrderPlacedV1.type:
          this.placed.inc();
          break;
        case OrderConfirmedV1.type:
          this.confirmed.inc();
          this.settled(event, 'confirmed');
          break;
        case OrderCancelledV1.type:
          this.cancelled.inc({ reason: (event.data as { reason: string }).reason });
          this.settled(event, 'cancelled');
          break;
        case PaymentCapturedV1.type: {
          const { amount } = event.data as { amount: { amount: number; currency: string } };
          this.captured.inc({ currency: amount.currency });
          this.capturedAmount.inc({ currency: amount.currency }, amount.amount);
          break;
        }
      }
    }
  };

  /** The order id is a UUIDv7 minted when the order was placed: its time starts the saga. */
  private settled(event: EventEnvelope, outcome: string): void {
    const seconds = (Date.parse(event.time) - uuidv7Millis(event.subject)) / 1000;
    if (Number.isFinite(seconds) && seconds >= 0) this.saga.observe({ outcome }, seconds);
  }
}
