import type { DependencyContainer } from 'tsyringe';
import type { ModuleEnvironment } from '../../kernel/config/module-config.js';
import { on } from '../../kernel/events/event-handler.js';
import { defineModule } from '../../kernel/module.js';
import type { Logger } from '../../kernel/observability/logger.factory.js';
import { TOKENS } from '../../kernel/tokens.js';
import { OrderCancelledV1 } from '../order/contracts/order-cancelled.event.js';
import { OrderConfirmedV1 } from '../order/contracts/order-confirmed.event.js';
import { UserRegisteredV1 } from '../user/contracts/user-registered.event.js';
import { NotificationDispatcher } from './application/notification.dispatcher.js';
import { NotificationQueries } from './application/notification.queries.js';
import { NotifyOrderCancelledHandler } from './application/notify-order-cancelled.handler.js';
import { NotifyOrderConfirmedHandler } from './application/notify-order-confirmed.handler.js';
import { NotifyWelcomeHandler } from './application/notify-welcome.handler.js';
import { NOTIFICATION_CHANNEL } from './domain/notification-channel.port.js';
import { LogChannel } from './infrastructure/log.channel.js';
import { NotificationRepository } from './application/notification-repository.port.js';
import { OrmNotificationRepository } from './infrastructure/notification.repository.js';
import { notificationApi, notificationRoutes } from './infrastructure/notification.routes.js';
import { NotificationSchema, RecipientSchema } from './infrastructure/notification.schema.js';
import { SmtpChannel } from './infrastructure/smtp.channel.js';
import { notificationConfig, type NotificationConfig } from './notification.config.js';

export const notificationModule = defineModule({
  name: 'notification',
  tag: { name: 'notifications', description: 'Messages sent to the customer (the notification module).' },
  routePrefixes: ['/api/v1/notifications'],
  config: notificationConfig,
  entities: [NotificationSchema, RecipientSchema],
  migrations: () => import('./infrastructure/migrations/index.js').then((m) => m.migrations),
  publishes: [],
  subscriptions: [
    on(UserRegisteredV1, NotifyWelcomeHandler),
    on(OrderConfirmedV1, NotifyOrderConfirmedHandler),
    on(OrderCancelledV1, NotifyOrderCancelledHandler),
  ],
  register(container: DependencyContainer) {
    const notification = container.resolve<NotificationConfig>(TOKENS.ModuleConfig);
    const { env } = container.resolve<ModuleEnvironment>(TOKENS.ModuleEnvironment);
    const channel = notification.smtpUrl
      ? new SmtpChannel(notification.smtpUrl, notification.from)
      : new LogChannel(container.resolve<Logger>(TOKENS.Logger), { redact: env !== 'development' });
    container.register(NOTIFICATION_CHANNEL, { useValue: channel });
    container.registerSingleton(NotificationRepository, OrmNotificationRepository);
    container.registerSingleton(NotificationDispatcher);
    container.registerSingleton(NotificationQueries);
  },
  api: Object.values(notificationApi),
  routes: notificationRoutes,
  async start(container: DependencyContainer) {
    container.resolve(NotificationDispatcher).start();
  },
  async stop(container: DependencyContainer) {
    await container.resolve(NotificationDispatcher).stop();
  },
});
