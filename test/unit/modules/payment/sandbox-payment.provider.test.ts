import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProviderUnavailableError, type ChargeRequest } from '../../../../src/modules/payment/domain/payment-provider.port.js';
import { SANDBOX_UNAVAILABLE_METHOD, SandboxPaymentProvider } from '../../../../src/modules/payment/infrastructure/sandbox-payment.provider.js';

const EUR_10 = { amount: 1000, currency: 'EUR' };
let keys = 0;
const request = (paymentMethod: string, idempotencyKey = `order-${++keys}`): ChargeRequest => ({ idempotencyKey, amount: EUR_10, paymentMethod });

describe('SandboxPaymentProvider', () => {
  it.each(['pm_card_visa', 'pm_card_mastercard', 'pm_card_amex'])('captures %s', async (method) => {
    const result = await new SandboxPaymentProvider().charge(request(method));
    expect(result).toEqual({ outcome: 'captured', reference: expect.stringMatching(/^ch_sandbox_[0-9a-f]{32}$/) });
  });

  it.each(['pm_card_chargeDeclined', 'pm_card_chargeDeclinedInsufficientFunds', 'pm_card_chargeDeclinedExpiredCard'])(
    'declines %s (card_declined)',
    async (method) => {
      const result = await new SandboxPaymentProvider().charge(request(method));
      expect(result).toEqual({ outcome: 'declined', reference: expect.stringMatching(/^ch_sandbox_/), code: 'card_declined' });
    },
  );

  it('declines a method that is not a test card (invalid_payment_method)', async () => {
    expect(await new SandboxPaymentProvider().charge(request('pm_something_else'))).toMatchObject({ outcome: 'declined', code: 'invalid_payment_method' });
  });

  it(`throws ProviderUnavailableError for ${SANDBOX_UNAVAILABLE_METHOD}, and records nothing`, async () => {
    const provider = new SandboxPaymentProvider();
    await expect(provider.charge(request(SANDBOX_UNAVAILABLE_METHOD))).rejects.toBeInstanceOf(ProviderUnavailableError);
    expect(provider.chargeCount).toBe(0);
  });

  it('charges at most once per idempotency key: a repeat returns the first result', async () => {
    const provider = new SandboxPaymentProvider();
    const first = await provider.charge(request('pm_card_visa', 'order-A'));
    const again = await provider.charge(request('pm_card_visa', 'order-A'));
    // Even if the repeat names another method, the key's charge stands.
    const other = await provider.charge(request('pm_card_chargeDeclined', 'order-A'));
    expect(again).toEqual(first);
    expect(other).toEqual(first);
    expect(provider.chargeCount).toBe(1);
  });

  it('gives different keys different charges', async () => {
    const provider = new SandboxPaymentProvider();
    const a = await provider.charge(request('pm_card_visa', 'order-A'));
    const b = await provider.charge(request('pm_card_visa', 'order-B'));
    expect(a.reference).not.toBe(b.reference);
    expect(provider.chargeCount).toBe(2);
  });

  it('remembers a declined key too', async () => {
    const provider = new SandboxPaymentProvider();
    const declined = await provider.charge(request('pm_card_chargeDeclined', 'order-D'));
    expect(await provider.charge(request('pm_card_visa', 'order-D'))).toEqual(declined);
  });

  describe('with a ledger file', () => {
    let dir: string;
    let file: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'mercato-sandbox-'));
      file = join(dir, 'nested', 'payment-sandbox-ledger.jsonl');
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    const lines = () =>
      readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { key: string });

    it('writes one line per distinct key (creating the directory)', async () => {
      const provider = new SandboxPaymentProvider(file);
      await provider.charge(request('pm_card_visa', 'order-A'));
      await provider.charge(request('pm_card_visa', 'order-A'));
      await provider.charge(request('pm_card_chargeDeclined', 'order-B'));
      await expect(provider.charge(request(SANDBOX_UNAVAILABLE_METHOD, 'order-C'))).rejects.toBeInstanceOf(ProviderUnavailableError);
      expect(lines().map((l) => l.key)).toEqual(['order-A', 'order-B']);
    });

    it('charges a key once when charged concurrently, by one instance or by two sharing the directory (two replicas)', async () => {
      const one = new SandboxPaymentProvider(file);
      const same = await Promise.all([1, 2, 3].map(() => one.charge(request('pm_card_visa', 'order-A'))));
      expect(new Set(same.map((r) => r.reference)).size).toBe(1);

      const other = new SandboxPaymentProvider(file);
      const both = await Promise.all([one, other, one, other].map((p) => p.charge(request('pm_card_visa', 'order-B'))));
      expect(new Set(both.map((r) => r.reference)).size).toBe(1);
      expect(lines().map((l) => l.key)).toEqual(['order-A', 'order-B']);
    });

    it('survives a restart: a new instance on the same file never charges a known key again', async () => {
      const before = new SandboxPaymentProvider(file);
      const captured = await before.charge(request('pm_card_visa', 'order-A'));
      const declined = await before.charge(request('pm_card_chargeDeclined', 'order-B'));

      const after = new SandboxPaymentProvider(file);
      expect(after.chargeCount).toBe(2);
      expect(await after.charge(request('pm_card_visa', 'order-A'))).toEqual(captured);
      expect(await after.charge(request('pm_card_visa', 'order-B'))).toEqual(declined);
      expect(lines()).toHaveLength(2);

      await after.charge(request('pm_card_visa', 'order-C'));
      expect(new SandboxPaymentProvider(file).chargeCount).toBe(3);
      expect(lines().map((l) => l.key)).toEqual(['order-A', 'order-B', 'order-C']);
    });

    it('starts empty without a file, and counts only what it recorded', async () => {
      expect(new SandboxPaymentProvider(file).chargeCount).toBe(0);
      const provider = new SandboxPaymentProvider(file);
      await provider.charge(request('pm_card_visa', 'order-A'));
      await expect(provider.charge(request(SANDBOX_UNAVAILABLE_METHOD, 'order-B'))).rejects.toBeInstanceOf(ProviderUnavailableError);
      expect(new SandboxPaymentProvider(file).chargeCount).toBe(1);
    });

    it('keeps its directory at two files and a journal however many charges it makes', async () => {
      const provider = new SandboxPaymentProvider(file);
      for (let i = 0; i < 50; i++) await provider.charge(request('pm_card_visa'));
      const { readdirSync } = await import('node:fs');
      expect(
        readdirSync(dirname(file))
          .filter((f) => !f.endsWith('-wal') && !f.endsWith('-shm'))
          .sort(),
      ).toEqual(['payment-sandbox-claims.db', 'payment-sandbox-ledger.jsonl']);
      expect(lines()).toHaveLength(50);
    });
  });
});
