import type { Money } from '../../../kernel/shared/money.js';

export interface ChargeRequest {
  /** The provider charges at most once per key, however often it is asked. */
  idempotencyKey: string;
  amount: Money;
  paymentMethod: string;
}

export type ChargeResult = { outcome: 'captured'; reference: string } | { outcome: 'declined'; reference: string; code: string };

/** Thrown for failures worth retrying (network, outage); a decline is a result, not an error. */
export class ProviderUnavailableError extends Error {
  override name = 'ProviderUnavailableError';
}

/** Where money actually moves (Stripe or the like); payment logic talks only to this port. */
export interface PaymentProvider {
  charge(request: ChargeRequest): Promise<ChargeResult>;
}

export const PAYMENT_PROVIDER = Symbol('PaymentProvider');
