import type { DependencyContainer } from 'tsyringe';
import { z } from 'zod';
import { defineOperation, implement, type ApiRoute } from '../../../kernel/http/api-route.js';
import { PaymentQueries } from '../application/payment.queries.js';
import { PaymentView, toPaymentView } from '../application/payment.view.js';

/** The payment module's HTTP operations, as the API document describes them. */
export const paymentApi = {
  listPayments: defineOperation({
    operationId: 'listPayments',
    method: 'get',
    path: '/api/v1/payments',
    summary: "An order's payments (its owner or an admin)",
    tags: ['payments'],
    access: 'authenticated',
    request: { query: z.object({ orderId: z.uuid() }) },
    responses: {
      200: { description: 'Payments', schema: z.array(PaymentView) },
      400: { description: 'Missing or malformed orderId' },
      401: { description: 'No valid token' },
    },
  }),
};

export function paymentRoutes(container: DependencyContainer): ApiRoute[] {
  const queries = container.resolve(PaymentQueries);
  return implement(paymentApi, {
    listPayments: async ({ query, principal }) => ({ body: (await queries.forOrder(query.orderId, principal)).map(toPaymentView) }),
  });
}
