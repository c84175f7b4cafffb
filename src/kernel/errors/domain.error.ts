/** A field a request got wrong. */
export interface FieldError {
  /** JSON path of the offending field, e.g. `items.0.quantity`; empty for the whole body. */
  path: string;
  message: string;
}

/**
 * What kind of rule a domain error reports. Domain code knows nothing of HTTP: the HTTP layer maps
 * each kind to one status and problem type (src/kernel/http/domain-error.mapping.ts).
 */
export type DomainErrorKind = 'not-found' | 'conflict' | 'unprocessable' | 'unauthenticated' | 'throttled';

export interface DomainErrorDetails {
  errors?: FieldError[];
  /** `throttled` only: when the caller may try again. */
  retryAfterSeconds?: number;
}

/** A broken business rule, with a stable code (`order.not_found`) for logs and tests; the message is for people. */
export abstract class DomainError extends Error {
  abstract readonly code: string;
  abstract readonly kind: DomainErrorKind;
  readonly errors?: FieldError[];
  readonly retryAfterSeconds?: number;

  constructor(message: string, details: DomainErrorDetails = {}) {
    super(message);
    this.name = new.target.name;
    if (details.errors) this.errors = details.errors;
    if (details.retryAfterSeconds !== undefined) this.retryAfterSeconds = details.retryAfterSeconds;
  }
}
