import { ExponentialBackoff, handleType, retry, type RetryPolicy } from 'cockatiel';
import { inject, injectable } from 'tsyringe';
import { newId } from '../../../kernel/ids/id.generator.js';
import type { Transaction } from '../../../kernel/events/unit-of-work.js';
import type { EventData } from '../../../kernel/events/event-contract.js';
import type { EventEnvelope } from '../../../kernel/events/event-envelope.js';
import type { EventHandler } from '../../../kernel/events/event-handler.js';
import type { Logger } from '../../../kernel/observability/logger.factory.js';
import { TOKENS } from '../../../kernel/tokens.js';
import type { StockReservedV1 } from '../../inventory/contracts/stock-reserved.event.js';
import { PaymentCapturedV1 } from '../contracts/payment-captured.event.js';
import { PaymentDeclinedV1 } from '../contracts/payment-declined.event.js';
import type { Payment } from '../domain/payment.js';
import { PAYMENT_PROVIDER, ProviderUnavailableError, type ChargeResult, type PaymentProvider } from '../domain/payment-provider.port.js';
import { PaymentRepository } from './payment-repository.port.js';

type StockReserved = EventData<typeof StockReservedV1>;

/** A few quick tries: the order's customer is waiting, and the saga must end either way. */
const PROVIDER_RETRY: RetryPolicy = retry(handleType(ProviderUnavailableError), {
  maxAttempts: 2,
  backoff: new ExponentialBackoff({ initialDelay: 50, maxDelay: 500 }),
});

/** The provider's answer, or undefined when it could not be reached after retries. */
type Charged = ChargeResult | undefined;

/**
 * Charges the order once stock is set aside. The provider is called before the transaction opens,
 * so a slow provider holds no database connection or lock; the order id is the idempotency key at
 * the provider and the unique key of the payment row, so redelivery never charges twice (a repeated
 * call returns the first charge). A provider that stays down ends the order as
 * `payment_unavailable` instead of leaving it pending.
 */
@injectable()
export class ChargeOrderHandler implements EventHandler<StockReserved, Charged> {
  constructor(
    @inject(PaymentRepository) private readonly payments: PaymentRepository,
    @inject(PAYMENT_PROVIDER) private readonly provider: PaymentProvider,
    @inject(TOKENS.Logger) private readonly logger: Logger,
  ) {}

  prepare(event: EventEnvelope<StockReserved>): Promise<Charged> {
    return this.charge(event.data.orderId, event.data);
  }

  async handle(event: EventEnvelope<StockReserved>, tx: Transaction, result: Charged): Promise<void> {
    const { orderId, userId, amount, paymentMethod } = event.data;
    if (await this.payments.isCharged(tx.em, orderId)) return;
    const payment: Payment = {
      id: newId(),
      orderId,
      userId,
      amount,
      paymentMethod,
      status: result ? (result.outcome === 'captured' ? 'captured' : 'declined') : 'failed',
      providerReference: result?.reference ?? null,
      failureReason: result ? (result.outcome === 'declined' ? result.code : null) : 'provider_unavailable',
      createdAt: new Date(),
    };
    await this.payments.add(tx.em, payment);
    if (payment.status === 'captured') {
      tx.publish(PaymentCapturedV1, orderId, { paymentId: payment.id, orderId, userId, amount });
    } else {
      const reason = payment.status === 'failed' ? 'payment_unavailable' : 'payment_declined';
      tx.publish(PaymentDeclinedV1, orderId, { paymentId: payment.id, orderId, userId, amount, reason });
    }
  }

  private async charge(orderId: string, data: StockReserved): Promise<Charged> {
    try {
      return await PROVIDER_RETRY.execute(() => this.provider.charge({ idempotencyKey: orderId, amount: data.amount, paymentMethod: data.paymentMethod }));
    } catch (err) {
      if (!(err instanceof ProviderUnavailableError)) throw err;
      this.logger.warn({ orderId, err }, 'payment provider unavailable; failing the payment');
      return undefined;
    }
  }
}
