import { inject, injectable } from 'tsyringe';
import type { Principal } from '../../../kernel/auth/access-token.verifier.js';
import type { UnitOfWork } from '../../../kernel/events/unit-of-work.js';
import { TOKENS } from '../../../kernel/tokens.js';
import type { Payment } from '../domain/payment.js';
import { PaymentSchema } from '../infrastructure/payment.schema.js';

@injectable()
export class PaymentQueries {
  constructor(@inject(TOKENS.UnitOfWork) private readonly uow: UnitOfWork) {}

  /** Payments of one order: its owner and admins see them; anyone else sees none. */
  forOrder(orderId: string, caller: Principal): Promise<Payment[]> {
    const owner = caller.role === 'admin' ? {} : { userId: caller.subject };
    return this.uow.reader().find(PaymentSchema, { orderId, ...owner }, { orderBy: { createdAt: 'asc' } });
  }
}
