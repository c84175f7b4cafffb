import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAYMENT_PROVIDER, type PaymentProvider } from '../../../src/modules/payment/domain/payment-provider.port.js';
import { httpClient, type HttpClient } from '../../support/http-client.js';
import { ADMIN, useTestSystem } from '../../support/test-system.js';
import { customerEmail, Shop } from '../../support/saga-helpers.js';

const PROVIDER_DELAY_MS = 2_000;
const OTHER_ORDERS = 5;
/** The card the slow provider takes its time with (any other `pm_card_*` answers at once). */
const SLOW_CARD = 'pm_card_mastercard';

/**
 * A payment provider that takes seconds to answer must not hold the payment module's database:
 * the call happens outside the transaction, so other orders are charged and confirmed meanwhile.
 */
describe('a slow payment provider', () => {
  const sys = useTestSystem();
  let http: HttpClient;
  let shop: Shop;
  let release: () => void = () => undefined;

  beforeAll(async () => {
    http = httpClient(sys.url);
    shop = new Shop(sys.system, http, await http.token(ADMIN.email, ADMIN.password));
    const provider = sys.system.modules.get('payment')!.container.resolve<PaymentProvider>(PAYMENT_PROVIDER);
    const charge = provider.charge.bind(provider);
    provider.charge = async (request) => {
      if (request.paymentMethod === SLOW_CARD) {
        await new Promise<void>((resolve) => {
          release = resolve;
          setTimeout(resolve, PROVIDER_DELAY_MS);
        });
      }
      return charge(request);
    };
  });
  afterAll(async () => {
    release();
  });

  it('holds no database connection: other orders settle while it answers', async () => {
    const product = await shop.product('SLOW-PAY', 700, OTHER_ORDERS + 1);
    const customer = await http.signUp(customerEmail('slow'));

    const slow = await shop.placeOrder(customer.token, [{ productId: product.id, quantity: 1 }], SLOW_CARD);
    const started = Date.now();
    const others = [];
    for (let i = 0; i < OTHER_ORDERS; i++) others.push(await shop.placeOrder(customer.token, [{ productId: product.id, quantity: 1 }]));

    for (const other of others) expect((await shop.settled(customer.token, other.id)).status).toBe('confirmed');
    const othersDoneAfterMs = Date.now() - started;
    const stillWaiting = await http.get(`/api/v1/orders/${slow.id}`, { token: customer.token });
    expect(stillWaiting.body.status, `the other orders settled after ${othersDoneAfterMs} ms`).toBe('pending');

    expect((await shop.settled(customer.token, slow.id, 10_000)).status).toBe('confirmed');
    expect(await shop.payments(slow.id)).toEqual([expect.objectContaining({ status: 'captured' })]);
  });
});
