export type Role = 'customer' | 'admin';

export interface User {
  id: string;
  /** Normalized (trimmed, lower case): one account per mailbox whatever the spelling. */
  email: string;
  name: string;
  role: Role;
  passwordHash: string;
  createdAt: Date;
  updatedAt: Date;
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export const PASSWORD_MIN_LENGTH = 8;
/** Bounded so that hashing cost cannot be used against us. */
export const PASSWORD_MAX_LENGTH = 128;
