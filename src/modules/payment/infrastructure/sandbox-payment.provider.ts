import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomUUID } from 'node:crypto';
import { ProviderUnavailableError, type ChargeRequest, type ChargeResult, type PaymentProvider } from '../domain/payment-provider.port.js';

/** Stripe's decline test methods all start with this (pm_card_chargeDeclined, ...InsufficientFunds, ...). */
const DECLINED_PREFIX = 'pm_card_chargeDeclined';
/** Not a Stripe method: lets anyone watch the saga handle a provider outage. */
export const SANDBOX_UNAVAILABLE_METHOD = 'pm_sandbox_unavailable';

/**
 * A stand-in for a card processor that behaves like Stripe's test mode: `pm_card_*` methods are
 * captured, `pm_card_chargeDeclined*` are declined. Like a real provider it remembers idempotency
 * keys, and it keeps that ledger in a file so a restarted process cannot charge an order twice.
 */
export class SandboxPaymentProvider implements PaymentProvider {
  private readonly ledger = new Map<string, ChargeResult>();

  /** `ledgerFile` undefined keeps the ledger in memory (tests). */
  constructor(private readonly ledgerFile?: string) {
    if (ledgerFile && existsSync(ledgerFile)) {
      for (const line of readFileSync(ledgerFile, 'utf8').split('\n')) {
        if (!line.trim()) continue;
        const { key, result } = JSON.parse(line) as { key: string; result: ChargeResult };
        this.ledger.set(key, result);
      }
    }
  }

  /** How many distinct charges (captured or declined) the provider has recorded. */
  get chargeCount(): number {
    return this.ledger.size;
  }

  async charge(request: ChargeRequest): Promise<ChargeResult> {
    const known = this.ledger.get(request.idempotencyKey);
    if (known) return known;
    if (request.paymentMethod === SANDBOX_UNAVAILABLE_METHOD) throw new ProviderUnavailableError('sandbox provider is unavailable');
    const reference = `ch_sandbox_${randomUUID().replaceAll('-', '')}`;
    const result: ChargeResult = request.paymentMethod.startsWith(DECLINED_PREFIX)
      ? { outcome: 'declined', reference, code: 'card_declined' }
      : request.paymentMethod.startsWith('pm_card_')
        ? { outcome: 'captured', reference }
        : { outcome: 'declined', reference, code: 'invalid_payment_method' };
    this.record(request.idempotencyKey, result);
    return result;
  }

  private record(key: string, result: ChargeResult): void {
    if (this.ledgerFile) {
      mkdirSync(dirname(this.ledgerFile), { recursive: true });
      appendFileSync(this.ledgerFile, `${JSON.stringify({ key, result })}\n`);
    }
    this.ledger.set(key, result);
  }
}
