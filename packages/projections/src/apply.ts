import type { RecordedEvent } from '@herald/eventstore';
import type pg from 'pg';
import { withSession } from '@herald/kit';
import { atCodeVersion, saveCheckpoints } from './checkpoints.js';
import { planBatch, statementsFor, type BatchPlan, type Checkpoints, type PlannedEvent, type SkippedEvent } from './plan.js';
import type { Projection } from './projection.js';
import { recordSkippedSql } from './problems.js';
import { liveLockKey } from './schema.js';
import { identifier, inline, type Statement } from './sql.js';

/** Which tables a consumer writes: the live schema, or a rebuild's. */
export interface Target {
  readonly schema: string;
  readonly projections: readonly Projection[];
  /** Live batches take the live lock, so a rebuild can swap tables between two batches. */
  readonly live: boolean;
  /**
   * A rebuild's first pass over the log: projections with a bulk build apply their
   * `bulk.project` (bookkeeping only) and are filled once it is caught up (replay/fill.ts).
   */
  readonly bulk?: boolean;
}

export interface BatchOutcome {
  readonly applied: number;
  readonly skipped: readonly SkippedEvent[];
  readonly checkpoints: Checkpoints;
}

/**
 * Applies a batch to every projection of the target and records their checkpoints, in
 * one transaction: a crash at any moment leaves either all of it or none. The batch's
 * runs become a few set-based statements that travel as one query. An event whose
 * statements the database refuses (a data error) is skipped and reported, so one bad
 * record never stops the projector.
 */
export async function applyBatch(pool: pg.Pool, target: Target, batch: readonly RecordedEvent[]): Promise<BatchOutcome> {
  return withSession(pool, async (client) => {
    try {
      return await inTransaction(client, target, async (plan, active) => {
        const statements = statementsFor(active, plan.events, target.bulk);
        await runAll(client, [asOneQuery(statements), saveCheckpoints(active, plan.checkpoints), problems(target, plan.skipped)]);
        return outcome(plan, []);
      }, batch);
    } catch (error) {
      if (!isDataError(error)) throw error;
      return await inTransaction(client, target, (plan, active) => applyOneByOne(client, target, active, plan), batch);
    }
  });
}

/** Live batches record what they skipped where an operator can see it; a rebuild's would repeat history's. */
function problems(target: Target, skipped: readonly SkippedEvent[]): string {
  return target.live ? recordSkippedSql(skipped) : '';
}

/** SQL texts as one round trip; none when all are empty (a batch for projections that are all being rebuilt). */
async function runAll(client: pg.PoolClient, texts: readonly string[]): Promise<void> {
  const text = texts.filter((t) => t.trim() !== '').join(';\n');
  if (text !== '') await client.query(text);
}

function asOneQuery(statements: readonly Statement[]): string {
  return statements.map((s) => `${inline(s)};\n`).join('');
}

/**
 * Replaying a batch after a crash is safe (checkpoints filter it), so a commit need not
 * wait for the WAL flush: a lost commit loses its checkpoint with it. A run's statement
 * joins the run's events (a few thousand rows at most) to a table by its index; on
 * tables filling fast (a rebuild) statistics lag and the planner may pick a scan of a
 * whole table, or JIT-compile a statement that runs in milliseconds, so both are ruled out.
 */
export const batchSettings = `SET LOCAL synchronous_commit TO off; SET LOCAL jit TO off;
  SET LOCAL enable_hashjoin TO off; SET LOCAL enable_mergejoin TO off; SET LOCAL enable_seqscan TO off;`;

interface CheckpointRow { projection: string; version: number; position: string }

async function inTransaction(
  client: pg.PoolClient, target: Target, work: (plan: BatchPlan, active: readonly Projection[]) => Promise<BatchOutcome>, batch: readonly RecordedEvent[],
): Promise<BatchOutcome> {
  // Several statements in one query answer with a result each (an array the types do not tell): the SELECT's is the last.
  const results = [await client.query<CheckpointRow>(`BEGIN; SET LOCAL search_path TO ${identifier(target.schema)}, public; ${batchSettings}
    ${target.live ? `SELECT pg_advisory_xact_lock(${liveLockKey});` : ''}
    SELECT projection, version, position FROM projection_checkpoints FOR UPDATE`)].flat();
  try {
    const rows = results.at(-1)?.rows ?? [];
    // Versions are read in the batch's own transaction: a new version swapped in between two batches is written from the next one on.
    const active = atCodeVersion(target.projections, new Map(rows.map((r) => [r.projection, r])));
    const checkpoints = new Map(rows.map((r) => [r.projection, r.position]));
    const done = await work(planBatch(active, checkpoints, batch), active);
    await client.query('COMMIT');
    return done;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** The slow path, only after a refused batch: each event under its own savepoint. */
async function applyOneByOne(client: pg.PoolClient, target: Target, active: readonly Projection[], plan: BatchPlan): Promise<BatchOutcome> {
  const refused: SkippedEvent[] = [];
  for (const planned of plan.events) {
    try {
      await client.query(`SAVEPOINT one_event; ${asOneQuery(statementsFor(active, [planned], target.bulk))} RELEASE SAVEPOINT one_event`);
    } catch (error) {
      if (!isDataError(error)) throw error;
      await client.query('ROLLBACK TO SAVEPOINT one_event');
      refused.push(refusal(planned, error));
    }
  }
  await runAll(client, [saveCheckpoints(active, plan.checkpoints), problems(target, [...plan.skipped, ...refused])]);
  return outcome(plan, refused);
}

function refusal(planned: PlannedEvent, error: unknown): SkippedEvent {
  const { id, position, type } = planned.recorded;
  const reason = `refused by the database: ${error instanceof Error ? error.message : String(error)}`;
  return { eventId: id, position, type, reason, projections: planned.projections.map((p) => p.name) };
}

function outcome(plan: BatchPlan, refused: readonly SkippedEvent[]): BatchOutcome {
  return { applied: plan.events.length - refused.length, skipped: [...plan.skipped, ...refused], checkpoints: plan.checkpoints };
}

/** SQLSTATE classes 22 (data exception) and 23 (integrity): the record, not the database, is at fault. */
function isDataError(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  return code.startsWith('22') || code.startsWith('23');
}
