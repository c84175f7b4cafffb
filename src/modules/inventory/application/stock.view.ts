import { z } from 'zod';
import type { StockItem } from '../domain/stock.js';

export const StockView = z.object({ sku: z.string(), available: z.number().int(), reserved: z.number().int() }).meta({ id: 'Stock' });
export type StockView = z.infer<typeof StockView>;

/** What the admin sees of a SKU: units sold are the inventory's own bookkeeping. */
export function toStockView(item: StockItem): StockView {
  return { sku: item.sku, available: item.available, reserved: item.reserved };
}
