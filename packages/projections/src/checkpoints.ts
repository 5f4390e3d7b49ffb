import type pg from 'pg';
import type { Checkpoints } from './plan.js';
import type { Projection } from './projection.js';
import { identifier, literal } from './sql.js';

/** The statement that records where each projection stands, run in the batch's transaction. */
export function saveCheckpoints(projections: readonly Projection[], checkpoints: Checkpoints): string {
  const rows = projections.map((p) => `(${literal(p.name)}, ${p.version}, ${literal(checkpoints.get(p.name) ?? '')})`);
  return `INSERT INTO projection_checkpoints (projection, version, position) VALUES ${rows.join(', ')}
    ON CONFLICT (projection) DO UPDATE SET version = EXCLUDED.version, position = EXCLUDED.position, updated_at = now()`;
}

export async function readCheckpoints(client: pg.Pool | pg.PoolClient, schema: string): Promise<Map<string, string>> {
  const result = await client.query<{ projection: string; position: string }>(
    `SELECT projection, position FROM ${identifier(schema)}.projection_checkpoints`,
  );
  return new Map(result.rows.map((r) => [r.projection, r.position]));
}

/** The lowest checkpoint of a set of projections: where reading the log must resume. */
export function lowestCheckpoint(projections: readonly Projection[], checkpoints: Checkpoints): string {
  const positions = projections.map((p) => checkpoints.get(p.name) ?? '');
  return positions.reduce((low, p) => (p < low ? p : low), positions[0] ?? '');
}
