import { inject, injectable } from 'tsyringe';
import type { Transaction } from '../../../kernel/events/unit-of-work.js';
import type { EventData } from '../../../kernel/events/event-contract.js';
import type { EventEnvelope } from '../../../kernel/events/event-envelope.js';
import type { EventHandler } from '../../../kernel/events/event-handler.js';
import type { UserRegisteredV1 } from '../../user/contracts/user-registered.event.js';
import { welcome } from '../domain/notification.templates.js';
import { NotificationRepository } from './notification-repository.port.js';

/** Remembers the new account as a recipient and records its welcome (the dispatcher sends it). */
@injectable()
export class NotifyWelcomeHandler implements EventHandler<EventData<typeof UserRegisteredV1>> {
  constructor(@inject(NotificationRepository) private readonly notifications: NotificationRepository) {}

  async handle(event: EventEnvelope<EventData<typeof UserRegisteredV1>>, tx: Transaction): Promise<void> {
    const { userId, email, name } = event.data;
    await this.notifications.saveRecipient(tx.em, { userId, email, name });
    await this.notifications.record(tx.em, userId, event.id, welcome(name));
  }
}
