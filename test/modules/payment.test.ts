import 'reflect-metadata';
import { v7 as uuidv7 } from 'uuid';
import { beforeAll, describe, expect, it } from 'vitest';
import { StockReservedV1 } from '../../src/modules/inventory/contracts/stock-reserved.event.js';
import { PaymentCapturedV1 } from '../../src/modules/payment/contracts/payment-captured.event.js';
import { PaymentDeclinedV1 } from '../../src/modules/payment/contracts/payment-declined.event.js';
import type { Payment } from '../../src/modules/payment/domain/payment.js';
import { paymentModule } from '../../src/modules/payment/index.js';
import { PaymentSchema } from '../../src/modules/payment/infrastructure/payment.schema.js';
import { httpClient, type HttpClient } from '../support/http-client.js';
import { useTestSystem } from '../support/test-system.js';
import { Probe } from '../support/modules/probe.module.js';
import { quiesce } from '../support/modules/quiesce.js';
import { testTokens, type TestTokens } from '../support/modules/test-tokens.js';

/** Payment alone on the in-memory bus; a probe plays inventory and records what payment says. */
describe('payment module', () => {
  const probe = new Probe({ publishes: [StockReservedV1], records: [PaymentCapturedV1, PaymentDeclinedV1] });
  let tokens: TestTokens;
  const sys = useTestSystem(async () => {
    tokens = await testTokens();
    return { env: { MODULES: 'payment,probe', EVENT_BUS: 'memory', ...tokens.env }, available: [paymentModule, probe.module] };
  });
  let http: HttpClient;

  beforeAll(async () => {
    http = httpClient(sys.url);
  });

  const payments = (orderId: string) => sys.system.modules.get('payment')!.orm.em.fork().find(PaymentSchema, { orderId }) as Promise<Payment[]>;

  function stockReserved(paymentMethod: string, userId = uuidv7()) {
    const orderId = uuidv7();
    return { orderId, userId, lines: [{ sku: 'PAY-1', quantity: 2 }], amount: { amount: 2598, currency: 'EUR' }, paymentMethod };
  }

  it('captures pm_card_visa and publishes payment.captured with the amount', async () => {
    const reserved = stockReserved('pm_card_visa');
    await probe.publish(StockReservedV1, reserved.orderId, reserved);

    const captured = await probe.next(PaymentCapturedV1, (d) => d.orderId === reserved.orderId);
    expect(captured).toMatchObject({ source: 'payment', subject: reserved.orderId });
    expect(captured.data).toEqual({
      paymentId: expect.any(String),
      orderId: reserved.orderId,
      userId: reserved.userId,
      amount: { amount: 2598, currency: 'EUR' },
    });
    const [payment, ...others] = await payments(reserved.orderId);
    expect(others).toEqual([]);
    expect(payment).toMatchObject({
      id: captured.data.paymentId,
      status: 'captured',
      paymentMethod: 'pm_card_visa',
      amount: reserved.amount,
      failureReason: null,
    });
    expect(payment!.providerReference).toMatch(/^ch_sandbox_/);
  });

  it.each([['pm_card_chargeDeclined'], ['pm_card_chargeDeclinedInsufficientFunds']])('declines %s with reason payment_declined', async (method) => {
    const reserved = stockReserved(method);
    await probe.publish(StockReservedV1, reserved.orderId, reserved);

    const declined = await probe.next(PaymentDeclinedV1, (d) => d.orderId === reserved.orderId);
    expect(declined.data).toEqual({
      paymentId: expect.any(String),
      orderId: reserved.orderId,
      userId: reserved.userId,
      amount: reserved.amount,
      reason: 'payment_declined',
    });
    expect(await payments(reserved.orderId)).toEqual([expect.objectContaining({ status: 'declined', failureReason: 'card_declined' })]);
    expect(probe.all(PaymentCapturedV1, (d) => d.orderId === reserved.orderId)).toEqual([]);
  });

  it('fails with payment_unavailable when the provider cannot be reached', async () => {
    const reserved = stockReserved('pm_sandbox_unavailable');
    await probe.publish(StockReservedV1, reserved.orderId, reserved);

    const declined = await probe.next(PaymentDeclinedV1, (d) => d.orderId === reserved.orderId);
    expect(declined.data.reason).toBe('payment_unavailable');
    expect(await payments(reserved.orderId)).toEqual([
      expect.objectContaining({ status: 'failed', failureReason: 'provider_unavailable', providerReference: null }),
    ]);
  });

  it('charges once when the same stock.reserved arrives twice (two event ids, one order)', async () => {
    const reserved = stockReserved('pm_card_visa');
    await probe.publish(StockReservedV1, reserved.orderId, reserved);
    await probe.publish(StockReservedV1, reserved.orderId, reserved);
    await quiesce(sys.system);

    expect(await payments(reserved.orderId)).toHaveLength(1);
    expect(probe.all(PaymentCapturedV1, (d) => d.orderId === reserved.orderId)).toHaveLength(1);
    expect(probe.all(PaymentDeclinedV1, (d) => d.orderId === reserved.orderId)).toHaveLength(0);
  });

  it('charges once per order under concurrent duplicate deliveries', async () => {
    const orders = Array.from({ length: 8 }, (_, i) => stockReserved(i % 2 ? 'pm_card_visa' : 'pm_card_chargeDeclined'));
    await Promise.all(orders.flatMap((o) => [probe.publish(StockReservedV1, o.orderId, o), probe.publish(StockReservedV1, o.orderId, o)]));
    await quiesce(sys.system);

    for (const o of orders) {
      expect(await payments(o.orderId)).toHaveLength(1);
      const outcomes = [...probe.all(PaymentCapturedV1, (d) => d.orderId === o.orderId), ...probe.all(PaymentDeclinedV1, (d) => d.orderId === o.orderId)];
      expect(outcomes).toHaveLength(1);
    }
  });

  it("shows an order's payments to its owner only (and to admins)", async () => {
    const owner = await tokens.customer();
    const reserved = stockReserved('pm_card_visa', owner.id);
    await probe.publish(StockReservedV1, reserved.orderId, reserved);
    const captured = await probe.next(PaymentCapturedV1, (d) => d.orderId === reserved.orderId);

    const mine = await http.get(`/api/v1/payments?orderId=${reserved.orderId}`, { token: owner.token });
    expect(mine.status).toBe(200);
    expect(mine.body).toEqual([
      { id: captured.data.paymentId, orderId: reserved.orderId, amount: reserved.amount, status: 'captured', createdAt: expect.any(String) },
    ]);

    const stranger = await tokens.customer();
    expect((await http.get(`/api/v1/payments?orderId=${reserved.orderId}`, { token: stranger.token })).body).toEqual([]);
    const admin = await tokens.sign(uuidv7(), 'admin');
    expect((await http.get(`/api/v1/payments?orderId=${reserved.orderId}`, { token: admin })).body).toHaveLength(1);
    expect((await http.get('/api/v1/payments?orderId=not-a-uuid', { token: owner.token })).status).toBe(400);
    expect((await http.get(`/api/v1/payments?orderId=${reserved.orderId}`)).status).toBe(401);
  });
});
