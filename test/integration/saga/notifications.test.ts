import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpSink, type SmtpSink } from '../../support/modules/smtp-sink.js';
import { httpClient, type HttpClient } from '../../support/http-client.js';
import { ADMIN, useTestSystem } from '../../support/test-system.js';
import { waitFor } from '../../support/wait-for.js';
import { customerEmail, Shop } from '../../support/saga-helpers.js';

interface NotificationBody {
  id: string;
  kind: string;
  subject: string;
  body: string;
  status: string;
}

/** Notifications of the saga, recorded per event and mailed to a real (local) SMTP server. */
describe('saga notifications (all modules, in process)', () => {
  let smtp: SmtpSink;
  // Registered before the system: the sink closes after the system stopped.
  afterAll(async () => {
    await smtp?.close();
  });
  const sys = useTestSystem(async () => {
    smtp = await startSmtpSink();
    return { env: { SMTP_URL: smtp.url } };
  });
  let http: HttpClient;
  let shop: Shop;

  beforeAll(async () => {
    http = httpClient(sys.url);
    shop = new Shop(sys.system, http, await http.token(ADMIN.email, ADMIN.password));
  });

  const mine = async (token: string, count: number) =>
    waitFor(
      async () => {
        const res = await http.get<{ items: NotificationBody[] }>('/api/v1/notifications', { token });
        expect(res.status).toBe(200);
        return res.body.items.length >= count && res.body.items.every((n) => n.status === 'sent') && res.body.items;
      },
      10_000,
      `${count} sent notifications`,
    );

  it('welcomes a new customer and tells them their order is confirmed, by mail', async () => {
    const email = customerEmail('mail');
    const customer = await http.signUp(email);
    const tea = await shop.product('NOTE-TEA', 650, 5);
    const order = await shop.placeOrder(customer.token, [{ productId: tea.id, quantity: 2 }]);
    expect(await shop.settled(customer.token, order.id)).toMatchObject({ status: 'confirmed' });

    const items = await mine(customer.token, 2);
    expect(items.map((n) => n.kind).sort()).toEqual(['order_confirmed', 'welcome']);
    const confirmed = items.find((n) => n.kind === 'order_confirmed')!;
    expect(confirmed.subject).toBe(`Order ${order.id} confirmed`);
    expect(confirmed.body).toContain('13.00 EUR');

    const mail = await waitFor(() => smtp.messages.find((m) => m.to.includes(email) && m.subject.includes(order.id)), 10_000, 'the confirmation mail');
    expect(mail.subject).toBe(`Order ${order.id} confirmed`);
    expect(mail.messageId).toBe(`<${confirmed.id}@mercato>`);
    expect(mail.text).toContain('13.00 EUR');
    expect(
      smtp.messages
        .filter((m) => m.to.includes(email))
        .map((m) => m.subject)
        .sort(),
    ).toEqual([`Order ${order.id} confirmed`, 'Welcome to Mercato']);
  });

  it('tells the customer their order is cancelled, and why', async () => {
    const email = customerEmail('mail');
    const customer = await http.signUp(email);
    const vase = await shop.product('NOTE-VASE', 3000, 5);
    const order = await shop.placeOrder(customer.token, [{ productId: vase.id, quantity: 1 }], 'pm_card_chargeDeclined');
    expect(await shop.settled(customer.token, order.id)).toMatchObject({ status: 'cancelled', cancelReason: 'payment_declined' });

    const items = await mine(customer.token, 2);
    const cancelled = items.find((n) => n.kind === 'order_cancelled')!;
    expect(cancelled.subject).toBe(`Order ${order.id} cancelled`);
    expect(cancelled.body).toContain('declined');
    await waitFor(() => smtp.messages.find((m) => m.messageId === `<${cancelled.id}@mercato>`), 10_000, 'the cancellation mail');
  });

  it('shows nobody else my notifications', async () => {
    const other = await http.signUp(customerEmail('other'));
    const items = await mine(other.token, 1);
    expect(items.map((n) => n.kind)).toEqual(['welcome']);
  });
});
