import { EntitySchema } from '@mikro-orm/core';
import type { User } from '../domain/user.js';

export const UserSchema = new EntitySchema<User>({
  name: 'User',
  tableName: 'app_user',
  properties: {
    id: { type: 'uuid', primary: true },
    email: { type: 'string', length: 254, unique: true },
    name: { type: 'string', length: 100 },
    role: { type: 'string', length: 20 },
    passwordHash: { type: 'string', length: 255, hidden: true },
    createdAt: { type: 'datetime' },
    updatedAt: { type: 'datetime' },
  },
});
