import type pg from 'pg';
import { withSession } from '@herald/kit';
import type { Projection } from './projection.js';
import { liveLockKey, liveSchema } from './schema.js';
import { identifier, literal } from './sql.js';

const live = identifier(liveSchema);

/** Whose rows of the migrations ledger (schema_migrations) are the read models'. */
export const migrationOwner = 'projections';

/** Recorded for tables made before versions were: unknown, so never taken for the code's. */
export const unknownVersion = 0;

/** What `installProjections` did. */
export interface Installed {
  /** Projections whose tables it created. */
  readonly created: readonly Projection[];
  /** Projections whose live tables it migrated in place from the previous version (their `migration`). */
  readonly migrated: readonly Projection[];
}

/** Whether a projection's live tables of version `from` are brought to the code's in place, by its `migration`. */
export function migratesInPlace(projection: Projection, from: number): boolean {
  return projection.migration !== undefined && from < projection.version && from >= (projection.migratesFrom ?? projection.version - 1);
}

/**
 * Creates the live tables of the projections that have none yet, recording the version
 * they are of in their checkpoint row (the outbox's row is left to its first start, which
 * puts it at the log's head). A projection whose tables exist is left alone: a new version
 * of it is built beside them by the projector (see versions.ts), never migrated in place,
 * unless it declares a `migration` from the version its tables are of: those are migrated
 * here, and their recorded version set to the code's (the outbox, whose history cannot be
 * replayed, has no other way to a new version). Safe from several processes at once (the
 * migrations' lock).
 */
export async function installProjections(pool: pg.Pool, list: readonly Projection[]): Promise<Installed> {
  return withSession(pool, async (client) => {
    try {
      await client.query(`BEGIN; SELECT pg_advisory_xact_lock(hashtext('herald.migrations'))`);
      const recorded = new Map((await client.query<{ projection: string; version: number }>(`SELECT projection, version FROM ${live}.projection_checkpoints`))
        .rows.map((r) => [r.projection, r.version]));
      const existing = new Set((await client.query<{ tablename: string }>(`SELECT tablename FROM pg_tables WHERE schemaname = $1`, [liveSchema])).rows.map((r) => r.tablename));
      const legacy = await legacyVersions(client);
      const created: Projection[] = [];
      const migrated: Projection[] = [];
      for (const projection of list) {
        const version = recorded.get(projection.name);
        if (version !== undefined) {
          if (version !== projection.version && migratesInPlace(projection, version)) {
            await migrateInPlace(client, projection, 'checkpoint');
            migrated.push(projection);
          }
          continue;
        }
        const present = projection.tables.filter((t) => existing.has(t));
        if (present.length === 0) {
          await client.query(`SET LOCAL search_path TO ${live}, public; ${projection.ddl}`);
          created.push(projection);
        } else {
          // Tables older than version records: the migrations ledger names the version they are of, if it names one.
          const of = legacy.get(projection.name);
          if (of !== undefined && of !== projection.version && migratesInPlace(projection, of)) {
            await migrateInPlace(client, projection, 'ledger');
            migrated.push(projection);
          } else if (present.length < projection.tables.length) {
            throw new Error(`${projection.name}: only some of its tables exist in ${liveSchema} (${present.join(', ')}); drop them or rebuild it`);
          } else if (!projection.replayable && of !== undefined && of !== projection.version) {
            throw new Error(unbuildable(projection, of));
          }
        }
        // Tables just made are of the code's version; a replayable projection's older ones are of an unknown one (rebuilt by the projector).
        if (projection.replayable) {
          await client.query(`INSERT INTO ${live}.projection_checkpoints (projection, version, position)
            VALUES (${literal(projection.name)}, ${present.length === 0 ? projection.version : unknownVersion}, '')`);
        }
      }
      await client.query('COMMIT');
      return { created, migrated };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  });
}

/** Why a projection that cannot be rebuilt from the log, with tables of another version and no migration from it, stops the start. */
export function unbuildable(projection: Projection, liveVersion: number): string {
  return `${projection.name}: the live tables are version ${liveVersion}, the code's is ${projection.version}, `
    + 'and it cannot be rebuilt from the log (history would notify again); migrate its tables by hand, then set its version in read_models.projection_checkpoints';
}

/**
 * Runs a projection's `migration` on its live tables and records the code's version where
 * the previous one was read from: its checkpoint row (keeping its position), or the
 * migrations ledger, for tables that have no row. Under the live lock: no batch writes the
 * tables meanwhile.
 */
async function migrateInPlace(client: pg.PoolClient, projection: Projection, record: 'checkpoint' | 'ledger'): Promise<void> {
  try {
    await client.query(`SELECT pg_advisory_xact_lock(${liveLockKey}); SET LOCAL search_path TO ${live}, public; ${projection.migration ?? ''}`);
  } catch (error) {
    throw new Error(`${projection.name}: migrating its live tables to version ${projection.version} in place failed: ${(error as Error).message}`, { cause: error });
  }
  await client.query(record === 'checkpoint'
    ? `UPDATE ${live}.projection_checkpoints SET version = ${projection.version}, updated_at = now() WHERE projection = ${literal(projection.name)}`
    : `INSERT INTO schema_migrations (owner, id) VALUES (${literal(migrationOwner)}, ${literal(`${projection.name}-v${projection.version}`)}) ON CONFLICT DO NOTHING`);
}

/**
 * The versions the migrations ledger recorded for each projection's tables, before tables
 * were created here (each version was then a migration `<name>-v<version>`): the newest one.
 */
async function legacyVersions(client: pg.PoolClient): Promise<Map<string, number>> {
  // migrate() made the ledger before this runs.
  const { rows } = await client.query<{ id: string }>(`SELECT id FROM schema_migrations WHERE owner = ${literal(migrationOwner)} AND id ~ '^[a-z_]+-v[0-9]+$'`);
  const versions = new Map<string, number>();
  for (const { id } of rows) {
    const [, name, version] = /^([a-z_]+)-v([0-9]+)$/.exec(id) ?? [];
    if (name && version) versions.set(name, Math.max(versions.get(name) ?? 0, Number(version)));
  }
  return versions;
}
