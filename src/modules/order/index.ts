import type { DependencyContainer } from 'tsyringe';
import { on } from '../../kernel/events/event-handler.js';
import { defineModule } from '../../kernel/module.js';
import { ProductCreatedV1 } from '../catalog/contracts/product-created.event.js';
import { ProductUpdatedV1 } from '../catalog/contracts/product-updated.event.js';
import { StockRejectedV1 } from '../inventory/contracts/stock-rejected.event.js';
import { PaymentCapturedV1 } from '../payment/contracts/payment-captured.event.js';
import { PaymentDeclinedV1 } from '../payment/contracts/payment-declined.event.js';
import { OrderQueries } from './application/order.queries.js';
import { PlaceOrderCommand } from './application/place-order.command.js';
import { RecordProductPriceHandler } from './application/record-product-price.handler.js';
import { CancelOrderHandler } from './application/cancel-order.handler.js';
import { ConfirmOrderHandler } from './application/confirm-order.handler.js';
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
  tag: { name: 'orders', description: 'Orders (the order module): placed pending, settled by the saga to confirmed or cancelled.' },
  routePrefixes: ['/api/v1/orders'],
  entities: [OrderSchema, KnownProductSchema],
  migrations: () => import('./infrastructure/migrations/index.js').then((m) => m.migrations),
  publishes: [OrderPlacedV1, OrderConfirmedV1, OrderCancelledV1],
  subscriptions: [
    on(ProductCreatedV1, RecordProductPriceHandler),
    on(ProductUpdatedV1, RecordProductPriceHandler),
    on(StockRejectedV1, CancelOrderHandler),
    on(PaymentCapturedV1, ConfirmOrderHandler),
    on(PaymentDeclinedV1, CancelOrderHandler),
  ],
  register(container: DependencyContainer) {
    container.registerSingleton(OrderRepository, OrmOrderRepository);
    container.registerSingleton(PlaceOrderCommand);
    container.registerSingleton(OrderQueries);
  },
  api: Object.values(orderApi),
  routes: orderRoutes,
});
