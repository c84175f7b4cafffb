import { inject, injectable } from 'tsyringe';
import type { Principal } from '../../../kernel/auth/access-token.verifier.js';
import type { UnitOfWork } from '../../../kernel/events/unit-of-work.js';
import { decodeCursor, nextCursor } from '../../../kernel/http/cursor.js';
import { TOKENS } from '../../../kernel/tokens.js';
import { OrderNotFoundError } from '../domain/order.errors.js';
import type { Order } from '../domain/order.js';
import { OrderRepository } from './order-repository.port.js';

@injectable()
export class OrderQueries {
  constructor(
    @inject(TOKENS.UnitOfWork) private readonly uow: UnitOfWork,
    @inject(OrderRepository) private readonly orders: OrderRepository,
  ) {}

  /** The owner and admins see an order; anyone else is told it does not exist. */
  async get(id: string, caller: Principal): Promise<Order> {
    const order = await this.orders.findById(this.uow.reader(), id);
    if (!order || (order.userId !== caller.subject && caller.role !== 'admin')) throw new OrderNotFoundError(id);
    return order;
  }

  async listMine(caller: Principal, limit: number, cursor?: string): Promise<{ items: Order[]; nextCursor: string | null }> {
    const page = await this.orders.pageForUser(this.uow.reader(), caller.subject, limit, cursor ? decodeCursor(cursor) : undefined);
    return { items: page.items, nextCursor: nextCursor(page.items, page.hasMore) };
  }
}
