import { ValidationError } from '../errors/http.errors.js';

/** What an `Idempotency-Key` header may hold: 1 to 255 visible ASCII characters. */
export const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** The request's `Idempotency-Key`, if it sent one; a malformed one is a 400. */
export function idempotencyKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (typeof header !== 'string' || !IDEMPOTENCY_KEY.test(header)) {
    throw new ValidationError([{ path: 'header.idempotency-key', message: '1 to 255 visible ASCII characters' }]);
  }
  return header;
}
