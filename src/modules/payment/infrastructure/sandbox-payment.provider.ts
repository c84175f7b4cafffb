import { mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { ProviderUnavailableError, type ChargeRequest, type ChargeResult, type PaymentProvider } from '../domain/payment-provider.port.js';

/** Stripe's decline test methods all start with this (pm_card_chargeDeclined, ...InsufficientFunds, ...). */
const DECLINED_PREFIX = 'pm_card_chargeDeclined';
/** Not a Stripe method: lets anyone watch the saga handle a provider outage. */
export const SANDBOX_UNAVAILABLE_METHOD = 'pm_sandbox_unavailable';

/** The provider's own store of idempotency keys, beside the ledger. */
const CLAIMS_FILE = 'payment-sandbox-claims.db';

/**
 * A stand-in for a card processor that behaves like Stripe's test mode: `pm_card_*` methods are
 * captured, `pm_card_chargeDeclined*` are declined. Like a real provider it remembers idempotency
 * keys across restarts and across the replicas that share its directory: each key is claimed by
 * an insert into a SQLite file there (one row per key, so two processes charging the same order
 * agree on one charge), and the JSON-lines ledger beside it gets one line per charge. A file per
 * claim did the same at a cost that showed in profiles: creating a file is the kernel's most
 * expensive step of a charge, and the directory grew by one file per order for ever.
 */
export class SandboxPaymentProvider implements PaymentProvider {
  private readonly claims: Database.Database;
  private readonly claim: Database.Statement<[string, string]>;
  private readonly claimed: Database.Statement<[string], { result: string }>;
  private readonly counted: Database.Statement<[], { n: number }>;
  private ledgerFd: number | undefined;

  /** `ledgerFile` undefined keeps everything in memory (tests). */
  constructor(private readonly ledgerFile?: string) {
    if (ledgerFile) mkdirSync(dirname(ledgerFile), { recursive: true });
    this.claims = new Database(ledgerFile ? join(dirname(ledgerFile), CLAIMS_FILE) : ':memory:');
    // Replicas sharing the directory write to the same file: WAL lets them, and waiting out a
    // replica's write beats failing a charge.
    this.claims.pragma('busy_timeout = 5000');
    this.claims.pragma('journal_mode = WAL');
    this.claims.pragma('synchronous = NORMAL');
    this.claims.exec('create table if not exists claim (key text primary key, result text not null) without rowid');
    this.claim = this.claims.prepare('insert into claim (key, result) values (?, ?) on conflict (key) do nothing');
    this.claimed = this.claims.prepare('select result from claim where key = ?');
    this.counted = this.claims.prepare('select count(*) as n from claim');
  }

  /** How many distinct charges (captured or declined) the provider has recorded. */
  get chargeCount(): number {
    return this.counted.get()!.n;
  }

  async charge(request: ChargeRequest): Promise<ChargeResult> {
    const known = this.claimed.get(request.idempotencyKey);
    if (known) return JSON.parse(known.result) as ChargeResult;
    if (request.paymentMethod === SANDBOX_UNAVAILABLE_METHOD) throw new ProviderUnavailableError('sandbox provider is unavailable');
    const reference = `ch_sandbox_${randomUUID().replaceAll('-', '')}`;
    const result: ChargeResult = request.paymentMethod.startsWith(DECLINED_PREFIX)
      ? { outcome: 'declined', reference, code: 'card_declined' }
      : request.paymentMethod.startsWith('pm_card_')
        ? { outcome: 'captured', reference }
        : { outcome: 'declined', reference, code: 'invalid_payment_method' };
    return this.record(request.idempotencyKey, result);
  }

  private record(key: string, result: ChargeResult): ChargeResult {
    const json = JSON.stringify(result);
    // Another process charged this key a moment ago: its charge is the one.
    if (this.claim.run(key, json).changes === 0) return JSON.parse(this.claimed.get(key)!.result) as ChargeResult;
    if (this.ledgerFile) {
      // One append-mode descriptor for the process: each line is one write, whole, after the others'.
      this.ledgerFd ??= openSync(this.ledgerFile, 'a');
      writeSync(this.ledgerFd, `${JSON.stringify({ key, result })}\n`);
    }
    return result;
  }
}
