import type { DependencyContainer } from 'tsyringe';
import { on } from '../../kernel/events/event-handler.js';
import { defineModule } from '../../kernel/module.js';
import { ProductCreatedV1 } from '../catalog/contracts/product-created.event.js';
import { ProductUpdatedV1 } from '../catalog/contracts/product-updated.event.js';
import { StockRejectedV1 } from '../inventory/contracts/stock-rejected.event.js';
import { PaymentCapturedV1 } from '../payment/contracts/payment-captured.event.js';
import { PaymentDeclinedV1 } from '../payment/contracts/payment-declined.event.js';
import { OrderQueries } from './application/order.queries.js';
import { PlaceOrderHandler } from './application/place-order.handler.js';
import { ProductPriceHandler } from './application/product-price.handler.js';
import { PaymentCapturedHandler, PaymentDeclinedHandler, StockRejectedHandler } from './application/saga.handlers.js';
import { OrderCancelledV1 } from './contracts/order-cancelled.event.js';
import { OrderConfirmedV1 } from './contracts/order-confirmed.event.js';
import { OrderPlacedV1 } from './contracts/order-placed.event.js';
import { KnownProductSchema } from './infrastructure/known-product.schema.js';
import { OrderRepository } from './application/order-repository.port.js';
import { OrmOrderRepository } from './infrastructure/order.repository.js';
import { orderApi, orderRoutes } from './infrastructure/order.routes.js';
import { OrderSchema } from './infrastructure/order.schema.js';

export const orderModule = defineModule({
  name: 'order',
  routePrefixes: ['/api/v1/orders'],
  entities: [OrderSchema, KnownProductSchema],
  migrations: () => import('./infrastructure/migrations/index.js').then((m) => m.migrations),
  publishes: [OrderPlacedV1, OrderConfirmedV1, OrderCancelledV1],
  subscriptions: [
    on(ProductCreatedV1, ProductPriceHandler),
    on(ProductUpdatedV1, ProductPriceHandler),
    on(StockRejectedV1, StockRejectedHandler),
    on(PaymentCapturedV1, PaymentCapturedHandler),
    on(PaymentDeclinedV1, PaymentDeclinedHandler),
  ],
  register(container: DependencyContainer) {
    container.registerSingleton(OrderRepository, OrmOrderRepository);
    container.registerSingleton(PlaceOrderHandler);
    container.registerSingleton(OrderQueries);
    container.registerSingleton(ProductPriceHandler);
    container.registerSingleton(StockRejectedHandler);
    container.registerSingleton(PaymentCapturedHandler);
    container.registerSingleton(PaymentDeclinedHandler);
  },
  api: Object.values(orderApi),
  routes: orderRoutes,
});
