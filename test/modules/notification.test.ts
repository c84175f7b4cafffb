import 'reflect-metadata';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Notification } from '../../src/modules/notification/domain/notification.js';
import { notificationModule } from '../../src/modules/notification/index.js';
import { NotificationSchema } from '../../src/modules/notification/infrastructure/notification.schema.js';
import { OrderCancelledV1 } from '../../src/modules/order/contracts/order-cancelled.event.js';
import { OrderConfirmedV1 } from '../../src/modules/order/contracts/order-confirmed.event.js';
import { UserRegisteredV1 } from '../../src/modules/user/contracts/user-registered.event.js';
import { httpClient } from '../support/http-client.js';
import { startTestSystem, type TestSystem } from '../support/test-system.js';
import { waitFor } from '../support/wait-for.js';
import { Probe } from '../support/modules/probe.module.js';
import { quiesce } from '../support/modules/quiesce.js';
import { startSmtpSink, type SmtpSink } from '../support/modules/smtp-sink.js';
import { testTokens } from '../support/modules/test-tokens.js';

/** Notification alone on the in-memory bus; a probe plays user and order. */
describe('notification module', () => {
  let sys: TestSystem | undefined;
  let smtp: SmtpSink | undefined;
  afterEach(async () => {
    await sys?.stop();
    sys = undefined;
  });
  afterAll(async () => smtp?.close());

  async function start(env: Record<string, string> = {}) {
    const probe = new Probe({ publishes: [UserRegisteredV1, OrderConfirmedV1, OrderCancelledV1] });
    const tokens = await testTokens();
    sys = await startTestSystem({
      env: { MODULES: 'notification,probe', EVENT_BUS: 'memory', ...tokens.env, ...env },
      available: [notificationModule, probe.module],
    });
    const orm = sys.system.modules.get('notification')!.orm;
    const notifications = (userId: string) => orm.em.fork().find(NotificationSchema, { userId }, { orderBy: { createdAt: 'asc' } }) as Promise<Notification[]>;
    return { probe, tokens, sys, notifications, http: httpClient(sys.url) };
  }

  function registered() {
    const userId = uuidv7();
    return { userId, email: `n-${userId}@mercato.test`, name: 'Nora', role: 'customer' as const };
  }

  it('records a welcome notification for user.registered and delivers it on the log channel', async () => {
    const { probe, tokens, notifications, http } = await start();
    const user = registered();
    await probe.publish(UserRegisteredV1, user.userId, user);

    const [welcome] = await waitFor(
      async () => {
        const rows = await notifications(user.userId);
        return rows.length === 1 && rows[0]!.status === 'sent' && rows;
      },
      5_000,
      'the welcome notification to be sent',
    );
    expect(welcome).toMatchObject({ kind: 'welcome', subject: 'Welcome to Mercato', attempts: 1, lastError: null, sentAt: expect.any(Date) });
    expect(welcome!.body).toContain('Nora');

    const res = await http.get('/api/v1/notifications', { token: await tokens.sign(user.userId) });
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([expect.objectContaining({ id: welcome!.id, kind: 'welcome', status: 'sent' })]);
    // Someone else sees none of it.
    expect((await http.get('/api/v1/notifications', { token: await tokens.sign(uuidv7()) })).body.items).toEqual([]);
  });

  it('records one notification per order event, with the order in the subject', async () => {
    const { probe, notifications, sys } = await start();
    const user = registered();
    await probe.publish(UserRegisteredV1, user.userId, user);
    const confirmedOrder = uuidv7();
    const cancelledOrder = uuidv7();
    await probe.publish(OrderConfirmedV1, confirmedOrder, { orderId: confirmedOrder, userId: user.userId, total: { amount: 4599, currency: 'EUR' } });
    await probe.publish(OrderCancelledV1, cancelledOrder, { orderId: cancelledOrder, userId: user.userId, reason: 'out_of_stock' });

    const rows = await waitFor(
      async () => {
        const r = await notifications(user.userId);
        return r.length === 3 && r.every((n) => n.status === 'sent') && r;
      },
      5_000,
      'three sent notifications',
    );
    const byKind = Object.fromEntries(rows.map((n) => [n.kind, n]));
    expect(byKind['order_confirmed']).toMatchObject({ subject: `Order ${confirmedOrder} confirmed` });
    expect(byKind['order_confirmed']!.body).toContain('45.99 EUR');
    expect(byKind['order_cancelled']).toMatchObject({ subject: `Order ${cancelledOrder} cancelled` });
    expect(byKind['order_cancelled']!.body).toContain('out of stock');
    await quiesce(sys.system);
    expect(new Set(rows.map((n) => n.eventId)).size).toBe(3);
  });

  it('waits for the recipient when an order event comes before the account event', async () => {
    const { probe, notifications } = await start();
    const user = registered();
    const orderId = uuidv7();
    await probe.publish(OrderConfirmedV1, orderId, { orderId, userId: user.userId, total: { amount: 100, currency: 'EUR' } });
    const [early] = await waitFor(
      async () => {
        const r = await notifications(user.userId);
        return r[0]?.attempts === 1 && r[0].status === 'pending' && r;
      },
      5_000,
      'a first failed attempt',
    );
    expect(early!.lastError).toMatch(/recipient/);

    await probe.publish(UserRegisteredV1, user.userId, user);
    const rows = await waitFor(
      async () => {
        const r = await notifications(user.userId);
        return r.length === 2 && r.every((n) => n.status === 'sent') && r;
      },
      8_000,
      'both notifications to be sent',
    );
    expect(rows.find((n) => n.kind === 'order_confirmed')).toMatchObject({ attempts: 2, lastError: null });
  });

  it('mails notifications over SMTP with a stable Message-ID', async () => {
    smtp = await startSmtpSink();
    const { probe, notifications } = await start({ SMTP_URL: smtp.url });
    const user = registered();
    await probe.publish(UserRegisteredV1, user.userId, user);
    const orderId = uuidv7();
    await probe.publish(OrderConfirmedV1, orderId, { orderId, userId: user.userId, total: { amount: 1990, currency: 'EUR' } });

    const rows = await waitFor(
      async () => {
        const r = await notifications(user.userId);
        return r.length === 2 && r.every((n) => n.status === 'sent') && r;
      },
      5_000,
      'two notifications sent',
    );
    const mails = smtp.messages.filter((m) => m.to.includes(user.email));
    expect(mails.map((m) => m.messageId).sort()).toEqual(rows.map((n) => `<${n.id}@mercato>`).sort());
    expect(mails.find((m) => m.subject === `Order ${orderId} confirmed`)).toBeDefined();
  });
});
