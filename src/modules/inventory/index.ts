import type { DependencyContainer } from 'tsyringe';
import { on } from '../../kernel/events/event-handler.js';
import { defineModule } from '../../kernel/module.js';
import { ProductCreatedV1 } from '../catalog/contracts/product-created.event.js';
import { OrderCancelledV1 } from '../order/contracts/order-cancelled.event.js';
import { OrderPlacedV1 } from '../order/contracts/order-placed.event.js';
import { PaymentCapturedV1 } from '../payment/contracts/payment-captured.event.js';
import { OrderCancelledHandler } from './application/order-cancelled.handler.js';
import { OrderPlacedHandler } from './application/order-placed.handler.js';
import { PaymentCapturedHandler } from './application/payment-captured.handler.js';
import { ProductCreatedHandler } from './application/product-created.handler.js';
import { StockService } from './application/stock.service.js';
import { StockRejectedV1 } from './contracts/stock-rejected.event.js';
import { StockReservedV1 } from './contracts/stock-reserved.event.js';
import { inventoryApi, inventoryRoutes } from './infrastructure/inventory.routes.js';
import { ReservationSchema } from './infrastructure/reservation.schema.js';
import { StockItemSchema } from './infrastructure/stock-item.schema.js';
import { StockRepository } from './application/stock-repository.port.js';
import { OrmStockRepository } from './infrastructure/stock.repository.js';

export const inventoryModule = defineModule({
  name: 'inventory',
  routePrefixes: ['/api/v1/inventory'],
  entities: [StockItemSchema, ReservationSchema],
  migrations: () => import('./infrastructure/migrations/index.js').then((m) => m.migrations),
  publishes: [StockReservedV1, StockRejectedV1],
  subscriptions: [
    on(ProductCreatedV1, ProductCreatedHandler),
    on(OrderPlacedV1, OrderPlacedHandler),
    on(PaymentCapturedV1, PaymentCapturedHandler),
    on(OrderCancelledV1, OrderCancelledHandler),
  ],
  register(container: DependencyContainer) {
    container.registerSingleton(StockRepository, OrmStockRepository);
    container.registerSingleton(StockService);
    container.registerSingleton(ProductCreatedHandler);
    container.registerSingleton(OrderPlacedHandler);
    container.registerSingleton(PaymentCapturedHandler);
    container.registerSingleton(OrderCancelledHandler);
  },
  api: Object.values(inventoryApi),
  routes: inventoryRoutes,
});
