import type pg from 'pg';
import type { Projection } from '../projection.js';
import { buildSchema, liveSchema, retiredSchema } from '../schema.js';
import { identifier, literal } from '../sql.js';

const [live, build, retired] = [liveSchema, buildSchema, retiredSchema].map(identifier);

/**
 * Moves the rebuilt tables into the live schema and the replaced ones out, with the
 * rebuilt checkpoints, in one transaction: a query sees either the old tables or the
 * new ones. The caller holds the live lock, so no live batch interleaves.
 */
export async function swapIn(client: pg.PoolClient, built: readonly Projection[]): Promise<void> {
  const moves = built.flatMap((p) => p.tables.map(identifier)).map((table) =>
    `ALTER TABLE IF EXISTS ${live}.${table} SET SCHEMA ${retired}; ALTER TABLE ${build}.${table} SET SCHEMA ${live};`);
  const names = built.map((p) => literal(p.name)).join(', ');
  await client.query(`BEGIN;
    DROP SCHEMA IF EXISTS ${retired} CASCADE; CREATE SCHEMA ${retired};
    ${moves.join('\n')}
    INSERT INTO ${live}.projection_checkpoints (projection, version, position)
      SELECT projection, version, position FROM ${build}.projection_checkpoints WHERE projection IN (${names})
      ON CONFLICT (projection) DO UPDATE SET version = EXCLUDED.version, position = EXCLUDED.position, updated_at = now();
    COMMIT`).catch(async (error: unknown) => {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  });
  // Queries still reading the old tables finish first; new ones already read the new.
  await client.query(`DROP SCHEMA ${retired} CASCADE; DROP SCHEMA ${build} CASCADE`);
}
