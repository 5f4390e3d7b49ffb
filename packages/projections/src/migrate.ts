import { migrate, type Migration } from '@herald/kit';
import type pg from 'pg';
import { projections } from './projections/list.js';
import type { Projection } from './projection.js';
import { checkpointsDdl, liveSchema } from './schema.js';
import { identifier } from './sql.js';

export const migrationOwner = 'projections';

function inSchema(schema: string, ddl: string): string {
  return `SET LOCAL search_path TO ${identifier(schema)}, public; ${ddl}`;
}

/**
 * The live tables: the schema with its checkpoints, then one migration per projection
 * version. A new version of a projection is built by `replay rebuild`, not migrated in place.
 */
export const readModelMigrations: readonly Migration[] = [
  { id: '000-schema', sql: `CREATE SCHEMA IF NOT EXISTS ${identifier(liveSchema)}; ${inSchema(liveSchema, checkpointsDdl)}` },
  ...projections.map((p) => ({ id: `${p.name}-v${p.version}`, sql: inSchema(liveSchema, p.migration ?? p.ddl) })),
];

/** Creates the read models' schema and tables; safe from several processes at once. */
export async function migrateReadModels(pool: pg.Pool): Promise<string[]> {
  return migrate(pool, migrationOwner, readModelMigrations);
}

/**
 * A fresh, empty schema holding the given projections' tables, for a rebuild to fill.
 * Unlogged: a half-built rebuild is worth nothing after a crash, so filling it need not
 * write the WAL row by row; `loggedSql` turns the tables into ordinary ones before the swap.
 */
export function freshSchemaSql(schema: string, built: readonly Projection[]): string {
  const ddl = [checkpointsDdl, ...built.map((p) => p.ddl)].join('\n').replaceAll('CREATE TABLE', 'CREATE UNLOGGED TABLE');
  return `DROP SCHEMA IF EXISTS ${identifier(schema)} CASCADE; CREATE SCHEMA ${identifier(schema)}; ${inSchema(schema, ddl)}`;
}

/** Makes a rebuilt schema's tables durable (one bulk write each) before they go live. */
export function loggedSql(schema: string, built: readonly Projection[]): string {
  return built.flatMap((p) => p.tables).map((t) => `ALTER TABLE ${identifier(schema)}.${identifier(t)} SET LOGGED;`).join('\n');
}
