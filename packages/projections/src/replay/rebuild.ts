import type { EventStore, Position } from '@herald/eventstore';
import type pg from 'pg';
import { runConsumer } from '../consumer.js';
import { freshSchemaSql } from '../migrate.js';
import { rebuildSet } from '../projections/list.js';
import type { Projection } from '../projection.js';
import { buildSchema, liveLockKey } from '../schema.js';
import { identifier, literal } from '../sql.js';
import { defaultFillOptions, fillInBulk } from './fill.js';
import { swapIn } from './swap.js';

const rebuildLockKey = "hashtext('herald.projections.rebuild')";

export interface RebuildRequest {
  /** Every projection, as configured (createProjections): the names pick from it. */
  readonly projections: readonly Projection[];
  /** Projections to rebuild; empty means every replayable one. */
  readonly names: readonly string[];
  /** Start after this position (fresh tables, earlier events not applied); undefined means the start of the log. */
  readonly from?: Position;
  readonly batchSize: number;
}

export interface RebuildPlan {
  readonly requested: readonly string[];
  /** What is built: the requested projections and those they read. */
  readonly built: readonly Projection[];
  readonly from: Position | 'start';
  readonly head: Position | null;
}

export interface RebuildProgress {
  readonly events: number;
  readonly position: Position;
  readonly head: Position | null;
}

/** Decides what a rebuild would do, touching nothing: what the dry run prints. */
export async function planRebuild(store: EventStore, request: RebuildRequest): Promise<RebuildPlan> {
  const requested = request.names.length > 0 ? request.names : request.projections.filter((p) => p.replayable).map((p) => p.name);
  const built = rebuildSet(request.projections, requested);
  const history = built.find((p) => !p.replayable);
  if (history) throw new Error(`${history.name} cannot be rebuilt: replaying it would send notifications for history again`);
  return { requested, built, from: request.from ?? 'start', head: await store.headPosition() };
}

/**
 * Rebuilds into fresh tables beside the live ones, then swaps them in. The consumer is
 * the live one, run on the build schema until caught up; the last stretch runs under
 * the live lock (the live projector pauses between two batches), so the swapped tables
 * are at least as far as the live ones were, and the projector carries on from there.
 *
 * Projections with a bulk build (the feeds) are not written event by event in the first
 * pass, only their bookkeeping; once it is caught up their tables are filled from that
 * state (fill.ts), and the events appended meanwhile, then those of the locked stretch,
 * are applied event by event on top, as live.
 * Aborting `signal` stops it before the swap (the build schema is dropped by the next rebuild).
 */
export async function rebuild(
  pool: pg.Pool, store: EventStore, plan: RebuildPlan, batchSize: number, onProgress?: (progress: RebuildProgress) => void, signal?: AbortSignal,
): Promise<{ events: number; position: Position | null }> {
  const session = await pool.connect();
  try {
    const { rows } = await session.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(${rebuildLockKey}) AS ok`);
    if (!rows[0]?.ok) throw new Error('another rebuild is running (it holds the rebuild lock); try again when it is done');
    await prepareBuildSchema(pool, plan);
    return await buildAndSwap(pool, session, store, plan, batchSize, onProgress, signal);
  } finally {
    await session.query(`SELECT pg_advisory_unlock_all()`).catch(() => undefined);
    session.release();
  }
}

async function buildAndSwap(
  pool: pg.Pool, session: pg.PoolClient, store: EventStore, plan: RebuildPlan, batchSize: number, onProgress?: (progress: RebuildProgress) => void, signal?: AbortSignal,
): Promise<{ events: number; position: Position | null }> {
  let events = 0;
  let position: Position | null = null;
  const target = { schema: buildSchema, projections: plan.built, live: false };
  const catchUp = async (bulk = false) => {
    await runConsumer({
      store, pool, target: { ...target, bulk }, untilCaughtUp: true, batchSize, signal,
      onBatch: (batch) => {
        events += batch.length;
        position = batch.at(-1)?.position ?? position;
        if (position) onProgress?.({ events, position, head: plan.head });
      },
    });
    signal?.throwIfAborted();
  };
  if (plan.built.some((p) => p.bulk)) {
    await catchUp(true);
    await fillInBulk(pool, buildSchema, plan.built, { ...defaultFillOptions, signal });
  }
  await catchUp();
  await session.query(`SELECT pg_advisory_lock(${liveLockKey})`);
  await catchUp();
  await swapIn(session, plan.built);
  return { events, position };
}

async function prepareBuildSchema(pool: pg.Pool, plan: RebuildPlan): Promise<void> {
  const start = plan.from === 'start' ? '' : plan.from;
  const rows = plan.built.map((p) => `(${literal(p.name)}, ${p.version}, ${literal(start)})`).join(', ');
  await pool.query(`BEGIN; ${freshSchemaSql(buildSchema, plan.built)};
    INSERT INTO ${identifier(buildSchema)}.projection_checkpoints (projection, version, position) VALUES ${rows}; COMMIT`);
}
