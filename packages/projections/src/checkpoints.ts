import type pg from 'pg';
import type { Checkpoints } from './plan.js';
import type { Projection } from './projection.js';
import { identifier, literal } from './sql.js';

/** The statement that records where each projection stands, and at which version, run in the batch's transaction. */
export function saveCheckpoints(projections: readonly Projection[], checkpoints: Checkpoints): string {
  if (projections.length === 0) return '';
  const rows = projections.map((p) => `(${literal(p.name)}, ${p.version}, ${literal(checkpoints.get(p.name) ?? '')})`);
  return `INSERT INTO projection_checkpoints (projection, version, position) VALUES ${rows.join(', ')}
    ON CONFLICT (projection) DO UPDATE SET version = EXCLUDED.version, position = EXCLUDED.position, updated_at = now()`;
}

export async function readCheckpoints(client: pg.Pool | pg.PoolClient, schema: string): Promise<Map<string, string>> {
  const stored = await readStoredCheckpoints(client, schema);
  return new Map([...stored].map(([name, s]) => [name, s.position]));
}

/** Where a projection's tables stand, and the version of the projection that wrote them. */
export interface StoredCheckpoint {
  readonly version: number;
  readonly position: string;
}

export async function readStoredCheckpoints(client: pg.Pool | pg.PoolClient, schema: string): Promise<Map<string, StoredCheckpoint>> {
  const result = await client.query<{ projection: string; version: number; position: string }>(
    `SELECT projection, version, position FROM ${identifier(schema)}.projection_checkpoints`,
  );
  return new Map(result.rows.map((r) => [r.projection, { version: r.version, position: r.position }]));
}

/**
 * The projections whose tables this code may write: those recorded at the code's
 * version, and those with no record yet. A projection whose tables another version
 * wrote is never applied on top of them; a new version is built beside them instead.
 */
export function atCodeVersion(projections: readonly Projection[], stored: ReadonlyMap<string, { readonly version: number }>): Projection[] {
  return projections.filter((p) => (stored.get(p.name)?.version ?? p.version) === p.version);
}

/**
 * Where reading the log resumes for `projections`: the lowest checkpoint of those at the
 * code's version. Projections whose tables another version wrote wait for their new
 * version to be built: they do not hold the start back.
 */
export function resumePosition(projections: readonly Projection[], stored: ReadonlyMap<string, StoredCheckpoint>): string {
  return lowestCheckpoint(atCodeVersion(projections, stored), new Map([...stored].map(([name, s]) => [name, s.position])));
}

/** The lowest checkpoint of a set of projections: where reading the log must resume. */
export function lowestCheckpoint(projections: readonly Projection[], checkpoints: Checkpoints): string {
  const positions = projections.map((p) => checkpoints.get(p.name) ?? '');
  return positions.reduce((low, p) => (p < low ? p : low), positions[0] ?? '');
}
