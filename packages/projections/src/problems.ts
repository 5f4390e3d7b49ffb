import type pg from 'pg';
import type { SkippedEvent } from './plan.js';
import { liveSchema } from './schema.js';
import { identifier, literal } from './sql.js';

/**
 * What went wrong for the live projections, where an operator can query it (`herald
 * projections status`): each skipped event, and each failure of following the log or of
 * building a new version. The log lines and metrics say the same; this table keeps the
 * newest `kept` of them.
 */
const table = `${identifier(liveSchema)}.projection_problems`;
const kept = 1000;

export const problemsDdl = `
  CREATE TABLE projection_problems (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at timestamptz NOT NULL DEFAULT now(),
    kind text NOT NULL CHECK (kind IN ('skipped', 'error')),
    projections text[] NOT NULL,
    event_id text,
    position text COLLATE "C",
    event_type text,
    message text NOT NULL
  );`;

export interface Problem {
  readonly kind: 'skipped' | 'error';
  readonly occurredAt: Date;
  readonly eventId: string | null;
  readonly position: string | null;
  readonly type: string | null;
  readonly message: string;
}

const forget = `DELETE FROM ${table} WHERE id <= (SELECT max(id) FROM ${table}) - ${kept};`;

/** Records a batch's skipped events, in the batch's own transaction (live batches only). */
export function recordSkippedSql(skipped: readonly SkippedEvent[]): string {
  if (skipped.length === 0) return '';
  const rows = skipped.map((s) => `('skipped', ${literal(s.projections)}::text[], ${literal(s.eventId)}, ${literal(s.position)}, ${literal(s.type)}, ${literal(s.reason)})`);
  return `INSERT INTO ${table} (kind, projections, event_id, position, event_type, message) VALUES ${rows.join(', ')}; ${forget}`;
}

/** Records a failure outside any batch. Best effort: when the database itself failed, the log line is all there is. */
export async function recordError(pool: pg.Pool, projections: readonly string[], error: unknown): Promise<void> {
  const message = error instanceof Error ? error.message : String(error);
  await pool.query(`INSERT INTO ${table} (kind, projections, message) VALUES ('error', ${literal(projections)}::text[], ${literal(message)}); ${forget}`)
    .catch(() => undefined);
}

/** The newest problem of each projection that had one. */
export async function lastProblems(pool: pg.Pool): Promise<Map<string, Problem>> {
  const { rows } = await pool.query<{ projection: string; kind: Problem['kind']; occurred_at: Date; event_id: string | null; position: string | null; event_type: string | null; message: string }>(
    `SELECT DISTINCT ON (projection) projection, kind, occurred_at, event_id, position, event_type, message
     FROM ${table}, unnest(projections) AS projection ORDER BY projection, id DESC`,
  );
  return new Map(rows.map((r) => [r.projection, { kind: r.kind, occurredAt: r.occurred_at, eventId: r.event_id, position: r.position, type: r.event_type, message: r.message }]));
}
