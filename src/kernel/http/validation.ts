import type { z } from 'zod';
import { ValidationError, type FieldError } from '../errors/http.errors.js';
import { isStorableText } from './json-guard.js';

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

/** Path and query values (strings, or arrays of them) with a NUL or a lone surrogate; bodies are checked by the JSON guard. */
function unstorableParameters(value: unknown, location: InputLocation): FieldError[] {
  if (location === 'body' || value === null || typeof value !== 'object') return [];
  return Object.entries(value as Record<string, unknown>)
    .filter(([key, v]) => !isStorableText(key) || [v].flat().some((item) => typeof item === 'string' && !isStorableText(item)))
    .map(([key]) => ({ path: `${location === 'params' ? 'path' : 'query'}.${key}`, message: 'Must not contain NUL characters or lone surrogates' }));
}

export function validateInput<T>(schema: z.ZodType<T>, value: unknown, location: InputLocation): T {
  const unstorable = unstorableParameters(value, location);
  if (unstorable.length > 0) throw new ValidationError(unstorable);
  const result = schema.safeParse(value);
  if (!result.success) throw new ValidationError(fieldErrors(result.error, location));
  return result.data;
}
