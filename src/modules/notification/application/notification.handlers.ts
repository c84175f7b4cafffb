import { inject, injectable } from 'tsyringe';
import type { Transaction } from '../../../kernel/events/unit-of-work.js';
import type { EventData } from '../../../kernel/events/event-contract.js';
import type { EventEnvelope } from '../../../kernel/events/event-envelope.js';
import type { EventHandler } from '../../../kernel/events/event-handler.js';
import type { OrderCancelledV1 } from '../../order/contracts/order-cancelled.event.js';
import type { OrderConfirmedV1 } from '../../order/contracts/order-confirmed.event.js';
import type { UserRegisteredV1 } from '../../user/contracts/user-registered.event.js';
import { orderCancelled, orderConfirmed, welcome } from '../domain/notification.templates.js';
import { NotificationRepository } from './notification-repository.port.js';

/** Handlers only record what to send; the dispatcher sends it. */
@injectable()
export class UserRegisteredHandler implements EventHandler<EventData<typeof UserRegisteredV1>> {
  constructor(@inject(NotificationRepository) private readonly notifications: NotificationRepository) {}

  async handle(event: EventEnvelope<EventData<typeof UserRegisteredV1>>, tx: Transaction): Promise<void> {
    const { userId, email, name } = event.data;
    await this.notifications.saveRecipient(tx.em, { userId, email, name });
    await this.notifications.record(tx.em, userId, event.id, welcome(name));
  }
}

@injectable()
export class OrderConfirmedHandler implements EventHandler<EventData<typeof OrderConfirmedV1>> {
  constructor(@inject(NotificationRepository) private readonly notifications: NotificationRepository) {}

  handle(event: EventEnvelope<EventData<typeof OrderConfirmedV1>>, tx: Transaction): Promise<void> {
    return this.notifications.record(tx.em, event.data.userId, event.id, orderConfirmed(event.data.orderId, event.data.total));
  }
}

@injectable()
export class OrderCancelledHandler implements EventHandler<EventData<typeof OrderCancelledV1>> {
  constructor(@inject(NotificationRepository) private readonly notifications: NotificationRepository) {}

  handle(event: EventEnvelope<EventData<typeof OrderCancelledV1>>, tx: Transaction): Promise<void> {
    return this.notifications.record(tx.em, event.data.userId, event.id, orderCancelled(event.data.orderId, event.data.reason));
  }
}
