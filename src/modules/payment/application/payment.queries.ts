import { inject, injectable } from 'tsyringe';
import type { Principal } from '../../../kernel/auth/access-token.verifier.js';
import type { UnitOfWork } from '../../../kernel/events/unit-of-work.js';
import { TOKENS } from '../../../kernel/tokens.js';
import type { Payment } from '../domain/payment.js';
import { PaymentRepository } from './payment-repository.port.js';

@injectable()
export class PaymentQueries {
  constructor(
    @inject(TOKENS.UnitOfWork) private readonly uow: UnitOfWork,
    @inject(PaymentRepository) private readonly payments: PaymentRepository,
  ) {}

  /** Payments of one order: its owner and admins see them; anyone else sees none. */
  forOrder(orderId: string, caller: Principal): Promise<Payment[]> {
    return this.payments.forOrder(this.uow.reader(), orderId, caller.role === 'admin' ? undefined : caller.subject);
  }
}
