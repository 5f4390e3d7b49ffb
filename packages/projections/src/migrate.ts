import { migrate, type Migration } from '@herald/kit';
import type pg from 'pg';
import { projections } from './projections/list.js';
import type { Projection } from './projection.js';
import { installProjections, migrationOwner } from './install.js';
import { problemsDdl } from './problems.js';
import { outboxParkedDdl } from './outbox/parked.js';
import { outboxRelayedDdl } from './outbox/shards.js';
import { checkpointsDdl, liveSchema } from './schema.js';
import { identifier } from './sql.js';

export { migrationOwner };

function inSchema(schema: string, ddl: string): string {
  return `SET LOCAL search_path TO ${identifier(schema)}, public; ${ddl}`;
}

/**
 * The live schema with its checkpoints and its problems table. The projections' own
 * tables are not migrations: `installProjections` creates those a projection has none of,
 * and a new version of a projection is built beside the live one and swapped in (see
 * versions.ts), never altered in place, unless the projection declares a `migration` from
 * the version its tables are of (the outbox, which cannot be rebuilt).
 */
export const readModelMigrations: readonly Migration[] = [
  { id: '000-schema', sql: `CREATE SCHEMA IF NOT EXISTS ${identifier(liveSchema)}; ${inSchema(liveSchema, checkpointsDdl)}` },
  { id: '001-problems', sql: inSchema(liveSchema, problemsDdl) },
  { id: '002-outbox-parked', sql: inSchema(liveSchema, outboxParkedDdl) },
  { id: '003-outbox-relayed', sql: inSchema(liveSchema, outboxRelayedDdl) },
];

/**
 * Creates the read models' schema and the tables of projections that have none, and
 * migrates in place those whose `migration` applies; safe from several processes at once.
 * Answers what it did: migrations and `<name>-v<version>` for each projection whose tables
 * it created or migrated.
 */
export async function migrateReadModels(pool: pg.Pool, list: readonly Projection[] = projections): Promise<string[]> {
  const applied = await migrate(pool, migrationOwner, readModelMigrations);
  const { created, migrated } = await installProjections(pool, list);
  return [...applied, ...[...created, ...migrated].map((p) => `${p.name}-v${p.version}`)];
}

/**
 * A fresh, empty schema holding the given projections' tables, for a rebuild to fill.
 * Ordinary (logged) tables from the start: making unlogged ones durable at the end
 * (`ALTER TABLE ... SET LOGGED`) rewrites each table in one transaction, about 40 s for
 * the feed at a million events, and a transaction that long holds back the log's read
 * guard, stalling every subscriber of the cluster. Logged, each batch writes its own WAL
 * and no step of a rebuild holds a transaction longer than one batch. The tables a bulk
 * build keeps for itself (BulkBuild.ddl) are never swapped in, so they may be unlogged.
 */
export function freshSchemaSql(schema: string, built: readonly Projection[]): string {
  const ddl = [checkpointsDdl, ...built.flatMap((p) => [p.ddl, p.bulk?.ddl ?? ''])].join('\n');
  return `DROP SCHEMA IF EXISTS ${identifier(schema)} CASCADE; CREATE SCHEMA ${identifier(schema)}; ${inSchema(schema, ddl)}`;
}
