import { UniqueConstraintViolationException } from '@mikro-orm/core';

/** A write lost a race on a unique key; callers above the database ask this instead of knowing the ORM's exceptions. */
export function isUniqueViolation(err: unknown): boolean {
  return err instanceof UniqueConstraintViolationException;
}
