import type { DependencyContainer } from 'tsyringe';
import { on } from '../../kernel/events/event-handler.js';
import { defineModule } from '../../kernel/module.js';
import { ProductCreatedV1 } from '../catalog/contracts/product-created.event.js';
import { OrderCancelledV1 } from '../order/contracts/order-cancelled.event.js';
import { OrderPlacedV1 } from '../order/contracts/order-placed.event.js';
import { PaymentCapturedV1 } from '../payment/contracts/payment-captured.event.js';
import { OpenStockItemHandler } from './application/open-stock-item.handler.js';
import { ReleaseReservedStockHandler } from './application/release-reserved-stock.handler.js';
import { ReserveStockHandler } from './application/reserve-stock.handler.js';
import { RestockCommand } from './application/restock.command.js';
import { SellReservedStockHandler } from './application/sell-reserved-stock.handler.js';
import { StockQueries } from './application/stock.queries.js';
import { StockRejectedV1 } from './contracts/stock-rejected.event.js';
import { StockReservedV1 } from './contracts/stock-reserved.event.js';
import { inventoryApi, inventoryRoutes } from './infrastructure/inventory.routes.js';
import { ReservationSchema } from './infrastructure/reservation.schema.js';
import { StockItemSchema } from './infrastructure/stock-item.schema.js';
import { StockRepository } from './application/stock-repository.port.js';
import { OrmStockRepository } from './infrastructure/stock.repository.js';

export const inventoryModule = defineModule({
  name: 'inventory',
  tag: { name: 'inventory', description: 'Stock per SKU (the inventory module); reserved by orders through events.' },
  routePrefixes: ['/api/v1/inventory'],
  entities: [StockItemSchema, ReservationSchema],
  migrations: () => import('./infrastructure/migrations/index.js').then((m) => m.migrations),
  publishes: [StockReservedV1, StockRejectedV1],
  subscriptions: [
    on(ProductCreatedV1, OpenStockItemHandler),
    on(OrderPlacedV1, ReserveStockHandler),
    on(PaymentCapturedV1, SellReservedStockHandler),
    on(OrderCancelledV1, ReleaseReservedStockHandler),
  ],
  register(container: DependencyContainer) {
    container.registerSingleton(StockRepository, OrmStockRepository);
    container.registerSingleton(StockQueries);
    container.registerSingleton(RestockCommand);
  },
  api: Object.values(inventoryApi),
  routes: inventoryRoutes,
});
