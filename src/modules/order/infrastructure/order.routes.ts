import type { DependencyContainer } from 'tsyringe';
import { z } from 'zod';
import { defineOperation, implement, type ApiRoute } from '../../../kernel/http/api-route.js';
import { PageQuery } from '../../../kernel/http/cursor.js';
import { idempotencyKey } from '../../../kernel/http/idempotency-key.js';
import { OrderQueries } from '../application/order.queries.js';
import { OrderView, toOrderView } from '../application/order.view.js';
import { PlaceOrderCommand } from '../application/place-order.command.js';

const PlaceOrderBody = z.strictObject({
  items: z
    .array(z.strictObject({ productId: z.uuid(), quantity: z.number().int().min(1).max(100) }))
    .min(1)
    .max(50)
    .refine((items) => new Set(items.map((i) => i.productId)).size === items.length, 'list each product once'),
  paymentMethod: z.string().regex(/^pm_[A-Za-z0-9_]{1,96}$/, 'a payment method id such as pm_card_visa'),
});
const OrderIdParams = z.object({ id: z.uuid() });

const ORDER_EXAMPLE = {
  id: '0199a1b3-1f2e-7d3c-9b4a-5e6f7a8b9c0d',
  status: 'pending',
  items: [{ productId: '0199a1b2-7c3d-7e4f-8a5b-6c7d8e9f0a1b', sku: 'MUG-001', quantity: 2, unitPrice: { amount: 1290, currency: 'EUR' } }],
  total: { amount: 2580, currency: 'EUR' },
  paymentMethod: 'pm_card_visa',
  createdAt: '2026-11-26T09:05:00.000Z',
  updatedAt: '2026-11-26T09:05:00.000Z',
};
const tags = ['orders'];

/** The order module's HTTP operations, as the API document describes them. */
export const orderApi = {
  placeOrder: defineOperation({
    operationId: 'placeOrder',
    method: 'post',
    path: '/api/v1/orders',
    summary: 'Place an order (settled asynchronously; poll it until confirmed or cancelled)',
    description:
      'The order is answered `pending` at once; stock and payment settle it through events, after which it is `confirmed` or ' +
      '`cancelled` with a `cancelReason`. Poll `GET /api/v1/orders/{id}`. Send an `Idempotency-Key` to make retries safe: ' +
      'the same key with the same body answers the first order; with another body, 422.',
    tags,
    access: 'authenticated',
    idempotencyKey: true,
    request: {
      body: PlaceOrderBody,
      examples: {
        twoMugs: {
          summary: 'Two mugs, paid by card',
          value: { items: [{ productId: '0199a1b2-7c3d-7e4f-8a5b-6c7d8e9f0a1b', quantity: 2 }], paymentMethod: 'pm_card_visa' },
        },
      },
    },
    responses: {
      202: {
        description: 'Accepted, pending',
        schema: OrderView,
        headers: ['Location'],
        examples: { pending: { summary: 'The pending order', value: ORDER_EXAMPLE } },
      },
      400: { description: 'Invalid body or Idempotency-Key' },
      401: { description: 'No valid token' },
      422: { description: 'Unknown product, or Idempotency-Key reused with another body' },
    },
  }),
  listOrders: defineOperation({
    operationId: 'listOrders',
    method: 'get',
    path: '/api/v1/orders',
    summary: "The caller's orders, newest first",
    tags,
    access: 'authenticated',
    request: { query: PageQuery },
    responses: {
      200: { description: 'A page of orders', schema: z.object({ items: z.array(OrderView), nextCursor: z.string().nullable() }) },
      400: { description: 'Invalid limit or cursor' },
      401: { description: 'No valid token' },
    },
  }),
  getOrder: defineOperation({
    operationId: 'getOrder',
    method: 'get',
    path: '/api/v1/orders/:id',
    summary: 'One order (its owner or an admin)',
    tags,
    access: 'authenticated',
    request: { params: OrderIdParams },
    responses: {
      200: {
        description: 'The order',
        schema: OrderView,
        examples: { confirmed: { summary: 'A confirmed order', value: { ...ORDER_EXAMPLE, status: 'confirmed', updatedAt: '2026-11-26T09:05:01.000Z' } } },
      },
      400: { description: 'Malformed id' },
      401: { description: 'No valid token' },
      404: { description: 'Unknown, or not yours' },
    },
  }),
};

export function orderRoutes(container: DependencyContainer): ApiRoute[] {
  const place = container.resolve(PlaceOrderCommand);
  const queries = container.resolve(OrderQueries);
  return implement(orderApi, {
    placeOrder: async ({ body, principal, headers }) => {
      const order = await place.execute({ userId: principal.subject, ...body, idempotencyKey: idempotencyKey(headers['idempotency-key']) });
      return { status: 202, body: toOrderView(order), headers: { Location: `/api/v1/orders/${order.id}` } };
    },
    listOrders: async ({ query, principal }) => {
      const page = await queries.listMine(principal, query.limit, query.cursor);
      return { body: { items: page.items.map(toOrderView), nextCursor: page.nextCursor } };
    },
    getOrder: async ({ params, principal }) => ({ body: toOrderView(await queries.get(params.id, principal)) }),
  });
}
