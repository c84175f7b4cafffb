import type { DependencyContainer } from 'tsyringe';
import { z } from 'zod';
import { defineOperation, implement, type ApiRoute } from '../../../kernel/http/api-route.js';
import { RestockCommand } from '../application/restock.command.js';
import { StockQueries } from '../application/stock.queries.js';
import { StockView, toStockView } from '../application/stock.view.js';

const SkuParams = z.object({
  sku: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .transform((s) => s.toUpperCase()),
});
const RestockBody = z.strictObject({ quantity: z.number().int().min(1).max(1_000_000) });

const tags = ['inventory'];

/** The inventory's HTTP operations, as the API document describes them. */
export const inventoryApi = {
  getStock: defineOperation({
    operationId: 'getStock',
    method: 'get',
    path: '/api/v1/inventory/:sku',
    summary: 'Stock of one SKU',
    tags,
    access: 'admin',
    request: { params: SkuParams },
    responses: {
      200: { description: 'Stock', schema: StockView, examples: { mug: { summary: 'Units of a SKU', value: { sku: 'MUG-001', available: 98, reserved: 2 } } } },
      401: { description: 'No token' },
      403: { description: 'Not admin' },
      404: { description: 'Unknown SKU' },
    },
  }),
  restockSku: defineOperation({
    operationId: 'restockSku',
    method: 'post',
    path: '/api/v1/inventory/:sku/restock',
    summary: 'Add units of one SKU',
    tags,
    access: 'admin',
    request: { params: SkuParams, body: RestockBody, examples: { five: { summary: 'Five more units', value: { quantity: 5 } } } },
    responses: {
      200: { description: 'Stock after restocking', schema: StockView },
      400: { description: 'Invalid quantity' },
      401: { description: 'No token' },
      403: { description: 'Not admin' },
      404: { description: 'Unknown SKU' },
    },
  }),
};

export function inventoryRoutes(container: DependencyContainer): ApiRoute[] {
  const stock = container.resolve(StockQueries);
  const restock = container.resolve(RestockCommand);
  return implement(inventoryApi, {
    getStock: async ({ params }) => ({ body: toStockView(await stock.get(params.sku)) }),
    restockSku: async ({ params, body }) => ({ body: toStockView(await restock.execute(params.sku, body.quantity)) }),
  });
}
