import type { z } from 'zod';
import { ValidationError, type FieldError } from './http.errors.js';

export type InputLocation = 'body' | 'query' | 'params';

/** Body errors name the field (`items.0.quantity`); query and path errors say where they are. */
function fieldErrors(error: z.ZodError, location: InputLocation): FieldError[] {
  return error.issues.flatMap((issue) => {
    // zod reports unknown fields once, on their parent object: name each field instead.
    const located =
      issue.code === 'unrecognized_keys'
        ? issue.keys.map((key) => ({ path: [...issue.path, key], message: `Unrecognized key: "${key}"` }))
        : [{ path: issue.path, message: issue.message }];
    return located.map(({ path: segments, message }) => {
      const path = segments.map(String).join('.');
      const prefixed = location === 'body' ? path : [location === 'params' ? 'path' : 'query', path].filter(Boolean).join('.');
      return { path: prefixed, message };
    });
  });
}

export function validateInput<T>(schema: z.ZodType<T>, value: unknown, location: InputLocation): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new ValidationError(fieldErrors(result.error, location));
  return result.data;
}
