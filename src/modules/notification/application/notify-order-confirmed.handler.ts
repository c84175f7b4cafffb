import { inject, injectable } from 'tsyringe';
import type { Transaction } from '../../../kernel/events/unit-of-work.js';
import type { EventData } from '../../../kernel/events/event-contract.js';
import type { EventEnvelope } from '../../../kernel/events/event-envelope.js';
import type { EventHandler } from '../../../kernel/events/event-handler.js';
import type { OrderConfirmedV1 } from '../../order/contracts/order-confirmed.event.js';
import { orderConfirmed } from '../domain/notification.templates.js';
import { NotificationRepository } from './notification-repository.port.js';

/** Records the customer's confirmation message (the dispatcher sends it). */
@injectable()
export class NotifyOrderConfirmedHandler implements EventHandler<EventData<typeof OrderConfirmedV1>> {
  constructor(@inject(NotificationRepository) private readonly notifications: NotificationRepository) {}

  handle(event: EventEnvelope<EventData<typeof OrderConfirmedV1>>, tx: Transaction): Promise<void> {
    return this.notifications.record(tx.em, event.data.userId, event.id, orderConfirmed(event.data.orderId, event.data.total));
  }
}
