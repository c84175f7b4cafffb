import { EntitySchema } from '@mikro-orm/core';

/** The id of an event this module has already applied; written in the handler's transaction. */
export interface InboxRecord {
  eventId: string;
  type: string;
  processedAt: Date;
}

export const InboxRecordSchema = new EntitySchema<InboxRecord>({
  name: 'InboxRecord',
  tableName: 'event_inbox',
  properties: {
    eventId: { type: 'uuid', primary: true },
    type: { type: 'string', length: 200 },
    processedAt: { type: 'datetime' },
  },
});
