import type { DependencyContainer } from 'tsyringe';
import { z } from 'zod';
import { defineRoute, type ApiRoute } from '../../../kernel/http/api-route.js';
import { PageQuery } from '../../../kernel/http/cursor.js';
import { ValidationError } from '../../../kernel/http/http.errors.js';
import { OrderQueries } from '../application/order.queries.js';
import { OrderView, toOrderView } from '../application/order.view.js';
import { PlaceOrderHandler } from '../application/place-order.handler.js';

const PlaceOrderBody = z.strictObject({
  items: z
    .array(z.strictObject({ productId: z.uuid(), quantity: z.number().int().min(1).max(100) }))
    .min(1)
    .max(50)
    .refine((items) => new Set(items.map((i) => i.productId)).size === items.length, 'list each product once'),
  paymentMethod: z.string().regex(/^pm_[A-Za-z0-9_]{1,96}$/, 'a payment method id such as pm_card_visa'),
});
const OrderIdParams = z.object({ id: z.uuid() });
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

function idempotencyKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (typeof header !== 'string' || !IDEMPOTENCY_KEY.test(header)) {
    throw new ValidationError([{ path: 'header.idempotency-key', message: '1 to 255 visible ASCII characters' }]);
  }
  return header;
}

export function orderRoutes(container: DependencyContainer): ApiRoute[] {
  const place = container.resolve(PlaceOrderHandler);
  const queries = container.resolve(OrderQueries);
  const tags = ['orders'];
  return [
    defineRoute({
      method: 'post',
      path: '/api/v1/orders',
      summary: 'Place an order (settled asynchronously; poll it until confirmed or cancelled)',
      tags,
      access: 'authenticated',
      request: { body: PlaceOrderBody },
      responses: {
        202: { description: 'Accepted, pending', schema: OrderView },
        400: { description: 'Invalid body' },
        401: { description: 'No valid token' },
        422: { description: 'Unknown product, or Idempotency-Key reused with another body' },
      },
      handle: async ({ body, principal, headers }) => {
        const order = await place.execute({ userId: principal.subject, ...body, idempotencyKey: idempotencyKey(headers['idempotency-key']) });
        return { status: 202, body: toOrderView(order), headers: { Location: `/api/v1/orders/${order.id}` } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/orders',
      summary: "The caller's orders, newest first",
      tags,
      access: 'authenticated',
      request: { query: PageQuery },
      responses: { 200: { description: 'A page of orders', schema: z.object({ items: z.array(OrderView), nextCursor: z.string().nullable() }) }, 401: { description: 'No valid token' } },
      handle: async ({ query, principal }) => {
        const page = await queries.listMine(principal, query.limit, query.cursor);
        return { body: { items: page.items.map(toOrderView), nextCursor: page.nextCursor } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/orders/:id',
      summary: 'One order (its owner or an admin)',
      tags,
      access: 'authenticated',
      request: { params: OrderIdParams },
      responses: { 200: { description: 'The order', schema: OrderView }, 400: { description: 'Malformed id' }, 401: { description: 'No valid token' }, 404: { description: 'Unknown, or not yours' } },
      handle: async ({ params, principal }) => ({ body: toOrderView(await queries.get(params.id, principal)) }),
    }),
  ];
}
