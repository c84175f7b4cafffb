import { EntitySchema } from '@mikro-orm/core';
import type { RefreshToken } from '../domain/refresh-token.js';

export const RefreshTokenSchema = new EntitySchema<RefreshToken>({
  name: 'RefreshToken',
  tableName: 'refresh_token',
  properties: {
    id: { type: 'uuid', primary: true },
    tokenHash: { type: 'string', length: 64, unique: true },
    familyId: { type: 'uuid', index: true },
    userId: { type: 'uuid', index: true },
    expiresAt: { type: 'datetime' },
    createdAt: { type: 'datetime' },
    usedAt: { type: 'datetime', nullable: true },
    revokedAt: { type: 'datetime', nullable: true },
  },
});
