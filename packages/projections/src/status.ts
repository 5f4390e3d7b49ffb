import type { EventStore, Position, StartFrom } from '@herald/eventstore';
import type pg from 'pg';
import { readStoredCheckpoints, type StoredCheckpoint } from './checkpoints.js';
import { lastProblems, type Problem } from './problems.js';
import type { Projection } from './projection.js';
import { projections as declared } from './projections/list.js';
import { buildSchema, liveSchema } from './schema.js';

export interface ProjectionStatus {
  readonly projection: string;
  /** The code's version, and the version of the live tables (null before they have a record). */
  readonly version: { readonly code: number; readonly live: number | null };
  /** The last position applied to the live tables; null before the first. */
  readonly checkpoint: Position | null;
  /**
   * Events of the log after the checkpoint (counted up to a limit: `atLeast`), and how
   * long the oldest of them has waited; null for a projection not started yet (the
   * outbox before its first start, which begins at the log's head).
   */
  readonly lag: { readonly events: number; readonly atLeast: boolean; readonly seconds: number } | null;
  /** A rebuild or a new version in the build schema, and how far it has come. */
  readonly building: { readonly version: number; readonly checkpoint: Position | null } | null;
  /** The newest skipped event or failure that concerned it. */
  readonly lastProblem: Problem | null;
}

export interface StatusReport {
  readonly head: Position | null;
  readonly projections: readonly ProjectionStatus[];
}

interface Lag {
  readonly events: number;
  readonly atLeast: boolean;
  readonly seconds: number;
}

/** Counts what the log holds after a position, up to `limit`, and how old the first of it is. */
async function lagAfter(store: EventStore, checkpoint: Position | null, limit: number): Promise<Lag> {
  let from: StartFrom = checkpoint === null ? 'start' : { after: checkpoint };
  let events = 0;
  let oldest: Date | undefined;
  for (;;) {
    const batch = await store.readAll({ from, maxCount: Math.min(5000, limit - events + 1) });
    oldest ??= batch.events[0]?.createdAt;
    events += batch.events.length;
    if (batch.caughtUp || events > limit) break;
    from = batch.next;
  }
  const seconds = oldest === undefined ? 0 : Math.max(0, (Date.now() - oldest.getTime()) / 1000);
  return { events: Math.min(events, limit), atLeast: events > limit, seconds: Math.round(seconds * 10) / 10 };
}

async function buildCheckpoints(pool: pg.Pool): Promise<Map<string, StoredCheckpoint>> {
  // A rebuild drops the build schema when it is done, so it may go between asking and reading.
  const exists = await pool.query<{ found: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS found`, [`${buildSchema}.projection_checkpoints`]);
  if (!exists.rows[0]?.found) return new Map();
  return readStoredCheckpoints(pool, buildSchema).catch(() => new Map());
}

/**
 * Where each projection stands: its versions, checkpoint, lag behind the log's head,
 * any build in progress, and its last problem. Reads only; the projector need not run.
 */
export async function projectionStatus(
  pool: pg.Pool, store: EventStore, { projections = declared, lagLimit = 100_000 }: { projections?: readonly Projection[]; lagLimit?: number } = {},
): Promise<StatusReport> {
  const [live, building, problems, head] = await Promise.all([
    readStoredCheckpoints(pool, liveSchema), buildCheckpoints(pool), lastProblems(pool), store.headPosition(),
  ]);
  const lags = new Map<string, Promise<Lag>>();
  const lagOf = (checkpoint: Position | null) => {
    const key = checkpoint ?? '';
    if (!lags.has(key)) lags.set(key, lagAfter(store, checkpoint, lagLimit));
    return lags.get(key) as Promise<Lag>;
  };
  const rows = await Promise.all(projections.map(async (p): Promise<ProjectionStatus> => {
    const stored = live.get(p.name);
    const checkpoint = stored?.position ? stored.position : null;
    const build = building.get(p.name);
    return {
      projection: p.name,
      version: { code: p.version, live: stored?.version ?? null },
      checkpoint,
      lag: stored ? await lagOf(checkpoint) : null,
      building: build ? { version: build.version, checkpoint: build.position || null } : null,
      lastProblem: problems.get(p.name) ?? null,
    };
  }));
  return { head, projections: rows };
}
