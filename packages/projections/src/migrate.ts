import { migrate, type Migration } from '@herald/kit';
import type pg from 'pg';
import { projections } from './projections/list.js';
import type { Projection } from './projection.js';
import { installProjections } from './install.js';
import { problemsDdl } from './problems.js';
import { checkpointsDdl, liveSchema } from './schema.js';
import { identifier } from './sql.js';

export const migrationOwner = 'projections';

function inSchema(schema: string, ddl: string): string {
  return `SET LOCAL search_path TO ${identifier(schema)}, public; ${ddl}`;
}

/**
 * The live schema with its checkpoints and its problems table. The projections' own
 * tables are not migrations: `installProjections` creates those a projection has none of,
 * and a new version of a projection is built beside the live one and swapped in (see
 * versions.ts), never altered in place.
 */
export const readModelMigrations: readonly Migration[] = [
  { id: '000-schema', sql: `CREATE SCHEMA IF NOT EXISTS ${identifier(liveSchema)}; ${inSchema(liveSchema, checkpointsDdl)}` },
  { id: '001-problems', sql: inSchema(liveSchema, problemsDdl) },
];

/**
 * Creates the read models' schema and the tables of projections that have none; safe
 * from several processes at once. Answers what it did: migrations and `<name>-v<version>`
 * for each projection whose tables it created.
 */
export async function migrateReadModels(pool: pg.Pool, list: readonly Projection[] = projections): Promise<string[]> {
  const applied = await migrate(pool, migrationOwner, readModelMigrations);
  const installed = await installProjections(pool, list);
  return [...applied, ...installed.map((p) => `${p.name}-v${p.version}`)];
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
