import { EntitySchema } from '@mikro-orm/core';
import type { EventEnvelope } from './event-envelope.js';

export type DeadLetterStatus = 'pending' | 'replayed';

/** An event this module gave up on, kept with the reason so that it can be inspected and replayed. */
export interface DeadLetter {
  id: string;
  eventId: string;
  type: string;
  subject: string;
  envelope: EventEnvelope;
  reason: string;
  attempts: number;
  status: DeadLetterStatus;
  failedAt: Date;
  replayedAt?: Date | null;
}

export const DeadLetterSchema = new EntitySchema<DeadLetter>({
  name: 'DeadLetter',
  tableName: 'event_dead_letter',
  properties: {
    id: { type: 'uuid', primary: true },
    eventId: { type: 'uuid', unique: true },
    type: { type: 'string', length: 200 },
    subject: { type: 'string', length: 200 },
    envelope: { type: 'json' },
    reason: { type: 'text' },
    attempts: { type: 'integer' },
    status: { type: 'string', length: 20, index: true },
    failedAt: { type: 'datetime' },
    replayedAt: { type: 'datetime', nullable: true },
  },
});
