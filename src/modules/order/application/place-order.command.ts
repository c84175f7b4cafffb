import { createHash } from 'node:crypto';
import { inject, injectable } from 'tsyringe';
import { newId } from '../../../kernel/ids/id.generator.js';
import { isUniqueViolation } from '../../../kernel/db/unique-violation.js';
import type { Transaction, UnitOfWork } from '../../../kernel/events/unit-of-work.js';
import { TOKENS } from '../../../kernel/tokens.js';
import { OrderPlacedV1 } from '../contracts/order-placed.event.js';
import { IdempotencyKeyReusedError } from '../domain/order.errors.js';
import { priceLines, type Order, type RequestedLine } from '../domain/order.js';
import { OrderRepository } from './order-repository.port.js';

export interface PlaceOrderInput {
  userId: string;
  items: RequestedLine[];
  paymentMethod: string;
  idempotencyKey?: string;
}

function requestHash(command: PlaceOrderInput): string {
  return createHash('sha256')
    .update(JSON.stringify({ items: command.items, paymentMethod: command.paymentMethod }))
    .digest('hex');
}

/**
 * Stores the order as pending together with `order.placed.v1`, in one transaction; the rest of the
 * saga happens through events. A repeated Idempotency-Key returns the first order.
 */
@injectable()
export class PlaceOrderCommand {
  constructor(
    @inject(TOKENS.UnitOfWork) private readonly uow: UnitOfWork,
    @inject(OrderRepository) private readonly orders: OrderRepository,
  ) {}

  async execute(command: PlaceOrderInput): Promise<Order> {
    const hash = requestHash(command);
    try {
      return await this.uow.run((tx) => this.place(tx, command, hash));
    } catch (err) {
      // The same key raced itself: the first one won, answer with its order.
      if (isUniqueViolation(err) && command.idempotencyKey) {
        const first = await this.orders.findByIdempotencyKey(this.uow.reader(), command.userId, command.idempotencyKey);
        if (first) return this.replayed(first, hash);
      }
      throw err;
    }
  }

  private async place(tx: Transaction, command: PlaceOrderInput, hash: string): Promise<Order> {
    if (command.idempotencyKey) {
      const first = await this.orders.findByIdempotencyKey(tx.em, command.userId, command.idempotencyKey);
      if (first) return this.replayed(first, hash);
    }
    const known = await this.orders.knownProducts(
      tx.em,
      command.items.map((i) => i.productId),
    );
    const { items, total } = priceLines(command.items, known);
    const now = new Date();
    const order: Order = {
      id: newId(),
      userId: command.userId,
      status: 'pending',
      items,
      total,
      paymentMethod: command.paymentMethod,
      cancelReason: null,
      idempotencyKey: command.idempotencyKey ?? null,
      requestHash: command.idempotencyKey ? hash : null,
      createdAt: now,
      updatedAt: now,
    };
    await this.orders.add(tx.em, order);
    tx.publish(OrderPlacedV1, order.id, { orderId: order.id, userId: order.userId, items, total, paymentMethod: order.paymentMethod });
    return order;
  }

  private replayed(first: Order, hash: string): Order {
    if (first.requestHash !== hash) throw new IdempotencyKeyReusedError();
    return first;
  }
}
