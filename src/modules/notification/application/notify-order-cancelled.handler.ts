import { inject, injectable } from 'tsyringe';
import type { Transaction } from '../../../kernel/events/unit-of-work.js';
import type { EventData } from '../../../kernel/events/event-contract.js';
import type { EventEnvelope } from '../../../kernel/events/event-envelope.js';
import type { EventHandler } from '../../../kernel/events/event-handler.js';
import type { OrderCancelledV1 } from '../../order/contracts/order-cancelled.event.js';
import { orderCancelled } from '../domain/notification.templates.js';
import { NotificationRepository } from './notification-repository.port.js';

/** Records the customer's cancellation message, with the reason (the dispatcher sends it). */
@injectable()
export class NotifyOrderCancelledHandler implements EventHandler<EventData<typeof OrderCancelledV1>> {
  constructor(@inject(NotificationRepository) private readonly notifications: NotificationRepository) {}

  handle(event: EventEnvelope<EventData<typeof OrderCancelledV1>>, tx: Transaction): Promise<void> {
    return this.notifications.record(tx.em, event.data.userId, event.id, orderCancelled(event.data.orderId, event.data.reason));
  }
}
