import { EntitySchema } from '@mikro-orm/core';
import type { LoginFailure } from '../domain/login-throttle.js';

export const LoginFailureSchema = new EntitySchema<LoginFailure>({
  name: 'LoginFailure',
  tableName: 'login_failure',
  indexes: [{ properties: ['scopeKey', 'failedAt'] }],
  properties: {
    id: { type: 'uuid', primary: true },
    scopeKey: { type: 'string', length: 64 },
    failedAt: { type: 'datetime', index: true },
  },
});
