import type { z } from 'zod';
import type { EventEnvelope } from './event-envelope.js';

/** What a module promises to publish: a versioned type and the schema of its data. */
export interface EventContract<T = unknown> {
  readonly type: string;
  readonly schema: z.ZodType<T>;
}

export type EventData<C> = C extends EventContract<infer T> ? T : never;

export function defineEvent<S extends z.ZodType>(type: string, schema: S): EventContract<z.output<S>> {
  if (!/^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+\.v\d+$/.test(type)) {
    throw new Error(`Event type "${type}" must look like "<aggregate>.<event>.v<version>"`);
  }
  return { type, schema: schema as z.ZodType<z.output<S>> };
}

export function isEventOf<T>(contract: EventContract<T>, event: EventEnvelope): event is EventEnvelope<T> {
  return event.type === contract.type;
}
