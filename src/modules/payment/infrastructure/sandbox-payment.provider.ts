import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { ProviderUnavailableError, type ChargeRequest, type ChargeResult, type PaymentProvider } from '../domain/payment-provider.port.js';

/** Stripe's decline test methods all start with this (pm_card_chargeDeclined, ...InsufficientFunds, ...). */
const DECLINED_PREFIX = 'pm_card_chargeDeclined';
/** Not a Stripe method: lets anyone watch the saga handle a provider outage. */
export const SANDBOX_UNAVAILABLE_METHOD = 'pm_sandbox_unavailable';

/**
 * A stand-in for a card processor that behaves like Stripe's test mode: `pm_card_*` methods are
 * captured, `pm_card_chargeDeclined*` are declined. Like a real provider it remembers idempotency
 * keys across restarts and across the replicas that share its directory: each key is claimed with
 * an exclusive file create, so two processes charging the same order agree on one charge; the
 * JSON-lines ledger beside it records every charge once.
 */
export class SandboxPaymentProvider implements PaymentProvider {
  private readonly ledger = new Map<string, ChargeResult>();
  /** The claims directory exists (made once, not checked on every charge). */
  private claimsDirMade = false;

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
    // A key charged by another process is found when its claim below fails, not by looking first.
    const known = this.ledger.get(request.idempotencyKey);
    if (known) return known;
    if (request.paymentMethod === SANDBOX_UNAVAILABLE_METHOD) throw new ProviderUnavailableError('sandbox provider is unavailable');
    const reference = `ch_sandbox_${randomUUID().replaceAll('-', '')}`;
    const result: ChargeResult = request.paymentMethod.startsWith(DECLINED_PREFIX)
      ? { outcome: 'declined', reference, code: 'card_declined' }
      : request.paymentMethod.startsWith('pm_card_')
        ? { outcome: 'captured', reference }
        : { outcome: 'declined', reference, code: 'invalid_payment_method' };
    return this.record(request.idempotencyKey, result);
  }

  private claimFile(key: string): string | undefined {
    return this.ledgerFile ? join(dirname(this.ledgerFile), 'payment-sandbox-claims', `${Buffer.from(key).toString('base64url')}.json`) : undefined;
  }

  /** A charge another process (or an earlier life of this one) already made for the key. */
  private claimedElsewhere(key: string): ChargeResult | undefined {
    const file = this.claimFile(key);
    if (!file || !existsSync(file)) return undefined;
    const result = JSON.parse(readFileSync(file, 'utf8')) as ChargeResult;
    this.ledger.set(key, result);
    return result;
  }

  private record(key: string, result: ChargeResult): ChargeResult {
    const file = this.claimFile(key);
    if (this.ledgerFile && file) {
      if (!this.claimsDirMade) {
        mkdirSync(dirname(file), { recursive: true });
        this.claimsDirMade = true;
      }
      try {
        writeFileSync(file, JSON.stringify(result), { flag: 'wx' });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        // Another process charged this key a moment ago: its charge is the one.
        return this.claimedElsewhere(key)!;
      }
      appendFileSync(this.ledgerFile, `${JSON.stringify({ key, result })}\n`);
    }
    this.ledger.set(key, result);
    return result;
  }
}
