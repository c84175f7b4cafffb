import type { EntitySchema } from '@mikro-orm/core';

/**
 * The schema of some module's entity, whatever its type. MikroORM's EntitySchema both takes and
 * returns its entity type, so no `unknown` form accepts every module's schemas.
 */
// biome-ignore lint/suspicious/noExplicitAny: EntitySchema is invariant in its entity type (see above).
export type AnyEntitySchema = EntitySchema<any, any>;
