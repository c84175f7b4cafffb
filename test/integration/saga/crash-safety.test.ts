import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Notification } from '../../../src/modules/notification/domain/notification.js';
import { NotificationSchema } from '../../../src/modules/notification/infrastructure/notification.schema.js';
import { PAYMENT_PROVIDER, type ChargeResult, type PaymentProvider } from '../../../src/modules/payment/domain/payment-provider.port.js';
import { startSmtpSink, type SmtpSink } from '../../support/modules/smtp-sink.js';
import { httpClient, type HttpResponse } from '../../support/http-client.js';
import { ADMIN, startTestSystem, type TestSystem } from '../../support/test-system.js';
import { waitFor } from '../../support/wait-for.js';
import { customerEmail, Shop, type OrderBody } from '../../support/saga-helpers.js';

const RESTOCKED = 30;
const ORDERS = 40;
const KILL_AFTER_ACCEPTED = 15;
const PASSWORD = 'customer-password-1';

/**
 * Principle 3 for the whole saga: a burst of orders, the process killed in the middle of it, a new
 * process on the same files. Nothing accepted is lost, no stock appears or vanishes, nobody is
 * charged twice and nobody gets the same mail twice.
 */
describe('order saga across a crash (SQLite files)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mercato-saga-crash-'));
  const ledgerFile = join(dataDir, 'payment-sandbox-ledger.jsonl');
  let smtp: SmtpSink | undefined;
  const systems: TestSystem[] = [];
  /** Lets the provider's answer reach the dead process: only once the test is over (see below). */
  let releaseDeadProcess: () => void = () => undefined;
  afterAll(async () => {
    await Promise.allSettled(systems.map((s) => s.stop()));
    releaseDeadProcess();
    await smtp?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const start = async () => {
    const sys = await startTestSystem({ env: { DATA_DIR: dataDir, SMTP_URL: smtp!.url }, overrides: { sqlite: { inMemory: false } } });
    systems.push(sys);
    return sys;
  };
  const readLedger = () =>
    existsSync(ledgerFile)
      ? readFileSync(ledgerFile, 'utf8')
          .split('\n')
          .filter((l) => l.trim())
          .map((l) => JSON.parse(l) as { key: string; result: ChargeResult })
      : [];

  it('settles every accepted order exactly once after a kill in the middle of a burst', async () => {
    smtp = await startSmtpSink();

    // ---- First life: stock, customers, then a burst of orders cut short by a crash.
    const first = await start();
    const http1 = httpClient(first.url);
    const shop1 = new Shop(first.system, http1, await http1.token(ADMIN.email, ADMIN.password));
    const products = [await shop1.product('CRASH-A', 1000, RESTOCKED), await shop1.product('CRASH-B', 2500, RESTOCKED)];
    const emails = Array.from({ length: 4 }, () => customerEmail('crash'));
    const customers = await Promise.all(emails.map((e) => http1.signUp(e, PASSWORD)));

    // The crash comes once 15 orders were accepted, at the worst moment for payment: the provider
    // has charged a card (and written its ledger) but its answer has not reached the process yet.
    const accepted: OrderBody[] = [];
    let crash!: () => void;
    const crashTime = new Promise<void>((resolve) => (crash = resolve));
    const neverBeforeTheEnd = new Promise<void>((resolve) => (releaseDeadProcess = resolve));
    let heldOrderId: string | undefined;
    const provider = first.system.modules.get('payment')!.container.resolve<PaymentProvider>(PAYMENT_PROVIDER);
    const charge = provider.charge.bind(provider);
    provider.charge = async (request) => {
      const result = await charge(request);
      if (heldOrderId === undefined && accepted.length >= KILL_AFTER_ACCEPTED && result.outcome === 'captured') {
        heldOrderId = request.idempotencyKey;
        crash();
        // A killed process never hears back. (In process, "killed" code would carry on: an open
        // transaction finishes even after kill(), so its answer is withheld until the test is over.)
        await neverBeforeTheEnd;
      }
      return result;
    };

    // 40 orders asking for 2-4 units each (about 120 units for 60 in stock), every third card declined.
    const requests = Array.from({ length: ORDERS }, (_, i) => {
      const items =
        i % 3 === 2 ? products.map((p, k) => ({ productId: p.id, quantity: 1 + ((i + k) % 2) })) : [{ productId: products[i % 2]!.id, quantity: 2 + (i % 3) }];
      return { customer: i % customers.length, items, paymentMethod: i % 3 === 1 ? 'pm_card_chargeDeclined' : 'pm_card_visa' };
    });
    const inFlight = requests.map(async (r) => {
      const res: HttpResponse<OrderBody> = await http1.post(
        '/api/v1/orders',
        { items: r.items, paymentMethod: r.paymentMethod },
        { token: customers[r.customer]!.token },
      );
      if (res.status === 202) accepted.push(res.body);
      return res.status;
    });
    await Promise.race([crashTime, Promise.allSettled(inFlight)]);
    expect(heldOrderId, 'the crash point was reached').toBeDefined();
    const killedAt = new Date();
    await first.system.kill();
    systems.splice(systems.indexOf(first), 1);
    const outcomes = await Promise.allSettled(inFlight);

    const acceptedIds = accepted.map((o) => o.id);
    expect(acceptedIds.length).toBeGreaterThanOrEqual(KILL_AFTER_ACCEPTED);
    expect(acceptedIds.length).toBeLessThan(ORDERS); // the crash cut the burst short
    expect(outcomes.filter((o) => o.status === 'fulfilled' && o.value === 202)).toHaveLength(acceptedIds.length);
    // The provider charged the held order, and the dead process never recorded it.
    expect(readLedger().filter((l) => l.key === heldOrderId)).toEqual([{ key: heldOrderId, result: expect.objectContaining({ outcome: 'captured' }) }]);

    // ---- Second life on the same files.
    const second = await start();
    const http2 = httpClient(second.url);
    const shop2 = new Shop(second.system, http2, await http2.token(ADMIN.email, ADMIN.password));

    // Every order the database holds (accepted ones, and any committed before its answer was lost) settles.
    const orders = await waitFor(
      async () => {
        const all = await shop2.orders();
        return all.every((o) => o.status !== 'pending') && all;
      },
      20_000,
      'every order to settle after the restart',
    );
    await shop2.quiesce();
    const orderIds = orders.map((o) => o.id);
    for (const id of acceptedIds) expect(orderIds).toContain(id);

    // Accepted orders, as their owners see them now (tokens of the first life died with its keys).
    const tokens = await Promise.all(emails.map((e) => http2.token(e, PASSWORD)));
    for (const order of accepted) {
      const userId = orders.find((o) => o.id === order.id)!.userId;
      const res = await http2.get<OrderBody>(`/api/v1/orders/${order.id}`, { token: tokens[customers.findIndex((c) => c.id === userId)]! });
      expect(res.status).toBe(200);
      expect(['confirmed', 'cancelled']).toContain(res.body.status);
    }

    // Stock is conserved per SKU, nothing stays reserved, and what was sold is what confirmed orders bought.
    for (const product of products) {
      const stock = await shop2.stock(product.sku);
      expect(stock.reserved).toBe(0);
      expect(stock.available + stock.reserved + stock.sold).toBe(RESTOCKED);
      const bought = orders
        .filter((o) => o.status === 'confirmed')
        .flatMap((o) => o.items)
        .filter((i) => i.sku === product.sku)
        .reduce((sum, i) => sum + i.quantity, 0);
      expect(stock.sold).toBe(bought);
    }

    // At most one payment per order; exactly one captured payment of the total per confirmed order.
    const payments = await shop2.payments();
    const perOrder = new Map<string, number>();
    for (const p of payments) perOrder.set(p.orderId, (perOrder.get(p.orderId) ?? 0) + 1);
    expect([...perOrder.values()].filter((n) => n > 1)).toEqual([]);
    for (const order of orders) {
      const paid = payments.filter((p) => p.orderId === order.id);
      if (order.status === 'confirmed') expect(paid).toEqual([expect.objectContaining({ status: 'captured', amount: order.total })]);
      else if (order.cancelReason === 'out_of_stock') expect(paid).toEqual([]);
      else expect(paid).toEqual([expect.objectContaining({ status: 'declined' })]);
    }

    // The provider's ledger: one line per idempotency key, agreeing with the payment rows. The held
    // order was recorded by the second life, with the charge the first life had made.
    const ledger = readLedger();
    const keys = ledger.map((l) => l.key);
    expect(keys.length - new Set(keys).size).toBe(0);
    expect(new Set(keys)).toEqual(new Set(payments.map((p) => p.orderId)));
    for (const p of payments) expect(p.providerReference).toBe(ledger.find((l) => l.key === p.orderId)!.result.reference);
    expect(ledger.filter((l) => l.result.outcome === 'captured')).toHaveLength(orders.filter((o) => o.status === 'confirmed').length);
    expect(payments.find((p) => p.orderId === heldOrderId)).toMatchObject({ status: 'captured' });
    expect(orders.find((o) => o.id === heldOrderId)).toMatchObject({ status: 'confirmed' });

    // Notifications: one per event and one per settled order; mails counted by Message-ID.
    const notificationOrm = second.system.modules.get('notification')!.orm;
    const readNotifications = async () => (await notificationOrm.em.fork().find(NotificationSchema, {})) as Notification[];
    const mailsOf = (n: Notification) => smtp!.messages.filter((m) => m.messageId === `<${n.id}@mercato>`).length;
    // Everything is sent, except what the dead process had claimed (it may have mailed it before it
    // died; its claim runs out after a minute and the mail goes out again, with the same Message-ID).
    const notifications = await waitFor(
      async () => {
        const all = await readNotifications();
        return all.every((n) => n.status === 'sent' || (n.status === 'sending' && n.createdAt < killedAt)) && all;
      },
      20_000,
      'every notification to be sent',
    );
    expect(notifications.filter((n) => n.status === 'sending').length).toBeLessThanOrEqual(1);
    expect(new Set(notifications.map((n) => n.eventId)).size).toBe(notifications.length);
    for (const order of orders) {
      expect(notifications.filter((n) => n.kind !== 'welcome' && n.subject.includes(order.id))).toHaveLength(1);
    }
    const messageIds = smtp.messages.map((m) => m.messageId);
    expect(messageIds.filter((id, i) => messageIds.indexOf(id) !== i)).toEqual([]);
    for (const n of notifications) expect(mailsOf(n)).toBe(n.status === 'sent' ? 1 : mailsOf(n) > 0 ? 1 : 0);
    expect(new Set(messageIds)).toEqual(new Set(notifications.filter((n) => mailsOf(n) > 0).map((n) => `<${n.id}@mercato>`)));

    await second.stop();
    systems.splice(systems.indexOf(second), 1);
  });
});
