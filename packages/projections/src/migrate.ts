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
 * Ordinary (logged) tables from the start: making unlogged ones durable at the end
 * (`ALTER TABLE ... SET LOGGED`) rewrites each table in one transaction, about 40 s for
 * the feed at a million events, and a transaction that long holds back the log's read
 * guard, stalling every subscriber of the cluster. Logged, each batch writes its own WAL
 * and no step of a rebuild holds a transaction longer than one batch.
 */
export function freshSchemaSql(schema: string, built: readonly Projection[]): string {
  const ddl = [checkpointsDdl, ...built.map((p) => p.ddl)].join('\n');
  return `DROP SCHEMA IF EXISTS ${identifier(schema)} CASCADE; CREATE SCHEMA ${identifier(schema)}; ${inSchema(schema, ddl)}`;
}
