import { z } from 'zod';
import type { User } from '../domain/user.js';

export const UserView = z
  .object({
    id: z.uuid(),
    email: z.string(),
    name: z.string(),
    role: z.enum(['customer', 'admin']),
  })
  .meta({ id: 'User' });
export type UserView = z.infer<typeof UserView>;

/** What an account looks like from outside: never the password hash. */
export function toUserView(user: User): UserView {
  return { id: user.id, email: user.email, name: user.name, role: user.role };
}
