import type pg from 'pg';
import type { Projection } from './projection.js';
import { liveSchema } from './schema.js';
import { identifier, literal } from './sql.js';

const live = identifier(liveSchema);

/** Recorded for tables made before versions were: unknown, so never taken for the code's. */
export const unknownVersion = 0;

/**
 * Creates the live tables of the projections that have none yet, recording the version
 * they are of in their checkpoint row (the outbox's row is left to its first start, which
 * puts it at the log's head). A projection whose tables exist is left alone: a new version
 * of it is built beside them by the projector (see versions.ts), never migrated in place.
 * Safe from several processes at once (the migrations' lock).
 */
export async function installProjections(pool: pg.Pool, list: readonly Projection[]): Promise<Projection[]> {
  const client = await pool.connect();
  try {
    await client.query(`BEGIN; SELECT pg_advisory_xact_lock(hashtext('herald.migrations'))`);
    const recorded = new Set((await client.query<{ projection: string }>(`SELECT projection FROM ${live}.projection_checkpoints`)).rows.map((r) => r.projection));
    const existing = new Set((await client.query<{ tablename: string }>(`SELECT tablename FROM pg_tables WHERE schemaname = $1`, [liveSchema])).rows.map((r) => r.tablename));
    const installed: Projection[] = [];
    for (const projection of list.filter((p) => !recorded.has(p.name))) {
      const present = projection.tables.filter((t) => existing.has(t));
      if (present.length > 0 && present.length < projection.tables.length) {
        throw new Error(`${projection.name}: only some of its tables exist in ${liveSchema} (${present.join(', ')}); drop them or rebuild it`);
      }
      if (present.length === 0) {
        await client.query(`SET LOCAL search_path TO ${live}, public; ${projection.ddl}`);
        installed.push(projection);
      }
      // Tables older than version records (or just made) get a row; their writer's version is unknown in the first case.
      const version = present.length === 0 ? projection.version : unknownVersion;
      if (projection.replayable) {
        await client.query(`INSERT INTO ${live}.projection_checkpoints (projection, version, position) VALUES (${literal(projection.name)}, ${version}, '')`);
      }
    }
    await client.query('COMMIT');
    return installed;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
