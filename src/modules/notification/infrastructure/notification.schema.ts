import { EntitySchema } from '@mikro-orm/core';
import type { Notification, Recipient } from '../domain/notification.js';

export const NotificationSchema = new EntitySchema<Notification>({
  name: 'Notification',
  tableName: 'notification',
  indexes: [{ properties: ['status', 'dueAt'] }, { properties: ['userId', 'id'] }],
  properties: {
    id: { type: 'uuid', primary: true },
    userId: { type: 'uuid' },
    eventId: { type: 'uuid', unique: true },
    kind: { type: 'string', length: 40 },
    subject: { type: 'string', length: 300 },
    body: { type: 'text' },
    status: { type: 'string', length: 20 },
    attempts: { type: 'integer' },
    dueAt: { type: 'datetime' },
    lastError: { type: 'text', nullable: true },
    createdAt: { type: 'datetime' },
    sentAt: { type: 'datetime', nullable: true },
  },
});

export const RecipientSchema = new EntitySchema<Recipient>({
  name: 'Recipient',
  tableName: 'recipient',
  properties: {
    userId: { type: 'uuid', primary: true },
    email: { type: 'string', length: 254 },
    name: { type: 'string', length: 100 },
  },
});
