import { DomainError, type FieldError } from '../../../kernel/errors/domain.error.js';

export class OrderPricingError extends DomainError {
  readonly code = 'order.pricing';
  readonly kind = 'unprocessable';

  static unknownProducts(ids: string[]): OrderPricingError {
    return new OrderPricingError(
      `Unknown product${ids.length > 1 ? 's' : ''}: ${ids.join(', ')}.`,
      ids.map((id) => ({ path: 'items', message: `unknown product ${id}` })),
    );
  }

  static mixedCurrencies(currencies: string[]): OrderPricingError {
    return new OrderPricingError(`An order must be in one currency, got ${currencies.join(', ')}.`);
  }

  private constructor(message: string, errors?: FieldError[]) {
    super(message, errors ? { errors } : {});
  }
}

export class IdempotencyKeyReusedError extends DomainError {
  readonly code = 'order.idempotency_key_reused';
  readonly kind = 'unprocessable';

  constructor() {
    super('This Idempotency-Key was already used with a different request.');
  }
}

/** Also what a customer gets for someone else's order: its existence is not theirs to know. */
export class OrderNotFoundError extends DomainError {
  readonly code = 'order.not_found';
  readonly kind = 'not-found';

  constructor(id: string) {
    super(`No order ${id}.`);
  }
}
