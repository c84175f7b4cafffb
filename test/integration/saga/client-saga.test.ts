import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createMercatoClient, settledOrder, type MercatoClient } from '../../../client/index.js';
import { contractCheckedFetch } from '../../support/contract-recorder.js';
import { ADMIN, useTestSystem } from '../../support/test-system.js';
import { quiesce } from '../../support/modules/quiesce.js';

/**
 * The saga driven through the generated client (client/), as an integrating team would: sign up,
 * sign in, place an order with an Idempotency-Key, wait until it is confirmed. Every answer is also
 * checked against the OpenAPI document (contractCheckedFetch).
 */
describe('order saga through the generated TypeScript client', () => {
  const sys = useTestSystem();
  const client = (): MercatoClient => createMercatoClient({ baseUrl: sys.url, fetch: contractCheckedFetch });

  async function signIn(api: MercatoClient, email: string, password: string): Promise<void> {
    const { data, error } = await api.POST('/api/v1/auth/token', { body: { grant_type: 'password', email, password } });
    expect(error).toBeUndefined();
    expect(data!.token_type).toBe('Bearer');
    api.signIn(data!.access_token);
  }

  it('signs up, signs in, places an order and waits until it is confirmed; problems come back typed', async () => {
    const admin = client();
    await signIn(admin, ADMIN.email, ADMIN.password);
    const created = await admin.POST('/api/v1/products', { body: { sku: 'CLIENT-MUG', name: 'Client mug', price: { amount: 1290, currency: 'EUR' } } });
    expect(created.response.status).toBe(201);
    const product = created.data!;
    await quiesce(sys.system);
    const restocked = await admin.POST('/api/v1/inventory/{sku}/restock', { params: { path: { sku: product.sku } }, body: { quantity: 5 } });
    expect(restocked.data).toEqual({ sku: 'CLIENT-MUG', available: 5, reserved: 0 });

    const ann = client();
    const email = `ann-${randomUUID()}@example.test`;
    const signedUp = await ann.POST('/api/v1/users', { body: { email, password: 'password123', name: 'Ann' } });
    expect(signedUp.data).toMatchObject({ email, name: 'Ann', role: 'customer' });
    await signIn(ann, email, 'password123');
    expect((await ann.GET('/api/v1/users/me')).data?.email).toBe(email);

    const page = await ann.GET('/api/v1/products', { params: { query: { limit: 100 } } });
    expect(page.data!.items.map((p) => p.id)).toContain(product.id);

    const key = randomUUID();
    const placed = await ann.POST('/api/v1/orders', {
      params: { header: { 'Idempotency-Key': key } },
      body: { items: [{ productId: product.id, quantity: 2 }], paymentMethod: 'pm_card_visa' },
    });
    expect(placed.response.status).toBe(202);
    expect(placed.response.headers.get('location')).toBe(`/api/v1/orders/${placed.data!.id}`);
    expect(placed.data).toMatchObject({ status: 'pending', total: { amount: 2580, currency: 'EUR' } });
    // The same key answers the same order.
    const again = await ann.POST('/api/v1/orders', {
      params: { header: { 'Idempotency-Key': key } },
      body: { items: [{ productId: product.id, quantity: 2 }], paymentMethod: 'pm_card_visa' },
    });
    expect(again.data!.id).toBe(placed.data!.id);

    const order = await settledOrder(ann, placed.data!.id, { timeoutMs: 10_000, intervalMs: 20 });
    expect(order).toMatchObject({ id: placed.data!.id, status: 'confirmed' });
    const payments = await ann.GET('/api/v1/payments', { params: { query: { orderId: order.id } } });
    expect(payments.data).toEqual([expect.objectContaining({ orderId: order.id, status: 'captured', amount: { amount: 2580, currency: 'EUR' } })]);

    // Errors are the typed problem documents of the document.
    const refused = await ann.POST('/api/v1/products', { body: { sku: 'NOPE', name: 'No', price: { amount: 1, currency: 'EUR' } } });
    expect(refused.response.status).toBe(403);
    expect(refused.error).toMatchObject({ status: 403, title: 'Forbidden' });
    const invalid = await ann.POST('/api/v1/orders', { body: { items: [], paymentMethod: 'pm_card_visa' } });
    expect(invalid.error?.errors?.map((e) => e.path)).toEqual(['items']);
  });
});
