import type { AppendResult, EventStore, RecordedEvent } from '@herald/eventstore';
import type pg from 'pg';
import { lowestCheckpoint, readCheckpoints } from './checkpoints.js';
import { runConsumer } from './consumer.js';
import { freshSchemaSql } from './migrate.js';
import { feedCap } from './projections/feed-rows.js';
import { projections } from './projections/list.js';
import type { PostView } from './projections/posts.js';
import type { Projection } from './projection.js';
import { liveSchema } from './schema.js';
import type { HeraldEvent } from '@herald/contracts';
import { v7 as uuid } from 'uuid';

/**
 * Builds recorded events the way the log hands them out, for tests that drive the
 * appliers directly: positions increase with every event made.
 */
export function eventMaker(start = Date.parse('2026-01-01T00:00:00Z')) {
  let n = 0;
  return function recorded(type: HeraldEvent['type'], data: Record<string, unknown>, stream = 'test-stream'): RecordedEvent {
    n += 1;
    return {
      id: uuid(),
      streamId: stream,
      revision: 0n,
      position: `${n.toString(16).padStart(16, '0')}-${n.toString(16).padStart(16, '0')}`,
      type,
      data: data as RecordedEvent['data'],
      metadata: { schemaVersion: 1, occurredAt: new Date(start + n * 1000).toISOString() },
      createdAt: new Date(start + n * 1000),
    };
  };
}

/** Appends one Herald event the way the command side does (metadata included). */
export async function appendEvent(
  store: EventStore, stream: string, type: HeraldEvent['type'], data: Record<string, unknown>,
): Promise<AppendResult> {
  const metadata = { schemaVersion: 1, occurredAt: new Date().toISOString() };
  return store.append(stream, [{ id: uuid(), type, data, metadata }]);
}

/** Every row of every replayable read model, sorted: two equal snapshots are equal tables. */
export async function snapshotReadModels(pool: pg.Pool, schema = liveSchema): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const table of projections.filter((p) => p.replayable).flatMap((p) => p.tables)) {
    const { rows } = await pool.query<{ row: string }>(`SELECT t::text AS row FROM ${schema}.${table} t ORDER BY 1`);
    out[table] = rows.map((r) => r.row);
  }
  return out;
}

/**
 * The read models built by the consumer from the start of the log into a schema of their
 * own, up to at least `upTo` (the log's visible head can lag the newest append for a
 * moment, since its read guard counts every running transaction of the cluster).
 */
export async function buildFromScratch(
  store: EventStore, pool: pg.Pool, schema: string, upTo: string, built: readonly Projection[] = projections,
): Promise<void> {
  await pool.query(`BEGIN; ${freshSchemaSql(schema, built)}; COMMIT`);
  const target = { schema, projections: built, live: false };
  const deadline = Date.now() + 60_000;
  while (lowestCheckpoint(built, await readCheckpoints(pool, schema)) < upTo) {
    if (Date.now() > deadline) throw new Error(`the log did not reach ${upTo}`);
    await runConsumer({ store, pool, target, untilCaughtUp: true, batchSize: 500 });
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * A reader's feed by its definition, from the friendships and posts tables alone: the
 * posts of the reader's current friends, newest first, the newest 1000.
 */
export async function feedByDefinition(pool: pg.Pool, readerId: string, schema = liveSchema): Promise<PostView[]> {
  const { rows } = await pool.query<PostView>(
    `SELECT p.id::text AS id, p.text, p.author_id::text AS author_user_id
     FROM ${schema}.friendships fr JOIN ${schema}.posts p ON p.author_id = fr.friend_id
     WHERE fr.user_id = $1
     ORDER BY p.created_at DESC, p.id DESC LIMIT ${feedCap}`,
    [readerId],
  );
  return rows;
}
