import { z } from 'zod';
import { defineEvent } from '../../../kernel/events/event-contract.js';

/** Someone got an account (a customer signing up, or the configured admin). Subject = userId. */
export const UserRegisteredV1 = defineEvent(
  'user.registered.v1',
  z
    .object({
      userId: z.uuid(),
      email: z.email(),
      name: z.string().min(1),
      role: z.enum(['customer', 'admin']),
    })
    .describe('Someone got an account (a customer signing up, or the configured admin). Subject = userId.'),
);
