import { NotFoundError, UnprocessableError } from '../../../kernel/http/http.errors.js';

export class OrderPricingError extends UnprocessableError {
  static unknownProducts(ids: string[]): OrderPricingError {
    return new OrderPricingError(
      `Unknown product${ids.length > 1 ? 's' : ''}: ${ids.join(', ')}.`,
      ids.map((id) => ({ path: 'items', message: `unknown product ${id}` })),
    );
  }

  static mixedCurrencies(currencies: string[]): OrderPricingError {
    return new OrderPricingError(`An order must be in one currency, got ${currencies.join(', ')}.`);
  }
}

export class IdempotencyKeyReusedError extends UnprocessableError {
  constructor() {
    super('This Idempotency-Key was already used with a different request.');
  }
}

/** Also what a customer gets for someone else's order: its existence is not theirs to know. */
export class OrderNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(`No order ${id}.`);
  }
}
