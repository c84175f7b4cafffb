/**
 * One step of a module's schema, for both databases a module runs on: the same migrations, in the
 * same order, recorded in the same table, on SQLite (development, tests) and PostgreSQL
 * (production); only the SQL text is each dialect's. Plain data, so that starting a process does
 * not load a migration framework.
 */
export interface SchemaMigration {
  /** Recorded in the schema's migrations table once applied; never rename an applied migration. */
  readonly name: string;
  /** Statements run inside the module's own PostgreSQL schema, called `schema`. */
  postgresql(schema: string): readonly string[];
  sqlite(): readonly string[];
}
