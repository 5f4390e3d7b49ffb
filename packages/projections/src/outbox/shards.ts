import { ringLayout, shardOf, type HashRing } from '@herald/contracts';
import type pg from 'pg';
import { liveSchema } from '../schema.js';
import type { BatchLimits, IdRanges, OutboxBatch, OutboxMessage } from './rows.js';
import { consecutive } from './rows.js';

/**
 * The outbox relayed to several shards (stage 2 of docs/scaling.md): each shard is a
 * lane with its own reading position, and a row is deleted only once every lane of the
 * current ring has it confirmed. A lane whose broker is down holds only its own part;
 * the others flow on. What each lane has relayed is recorded per row in outbox_relayed,
 * under the ring's layout: a relay restarted with another shard list ignores marks of
 * the old layout and publishes every waiting row to every shard again (duplicates at
 * worst, which a socket's cursor drops; never a user left out).
 */
export interface ShardLane {
  /** The shard's name, as in RABBITMQ_SHARDS. */
  readonly shard: string;
  readonly ring: HashRing;
  /** `<layout>/<shard>`: the mark this lane leaves on the rows it relayed. */
  readonly mark: string;
  /** Every lane's mark: a row with all of them is done. */
  readonly marks: readonly string[];
}

export const outboxRelayedDdl = `
  CREATE TABLE outbox_relayed (
    id bigint NOT NULL,
    lane text NOT NULL,
    PRIMARY KEY (id, lane)
  );`;

export function shardLanes(ring: HashRing): ShardLane[] {
  const layout = ringLayout(ring);
  const marks = ring.shards.map((shard) => `${layout}/${shard}`);
  return ring.shards.map((shard, index) => ({ shard, ring, mark: marks[index] ?? '', marks }));
}

/**
 * The rows after `after` this lane has not relayed, lowest first, up to the limits; each
 * row's recipients on this shard become its messages (split by `recipientsPerMessage`).
 * A row with none here is in the batch with no message: it is marked all the same.
 */
export async function readLane(session: pg.ClientBase, lane: ShardLane, after: string, limits: BatchLimits): Promise<OutboxBatch> {
  const { rows } = await session.query<[string, string, string, string, string, string, string[], string, string | null, number | null]>({
    name: 'herald_outbox_read_lane',
    text: `WITH batch AS (
             SELECT o.id, o.event_id, o.position, o.kind, o.payload, o.recipients, o.committed_at, cardinality(o.recipients) AS n,
                    sum(cardinality(o.recipients)) OVER (ORDER BY o.id) AS running
             FROM ${liveSchema}.outbox o
             WHERE o.id > $1::bigint AND NOT EXISTS (SELECT 1 FROM ${liveSchema}.outbox_relayed r WHERE r.id = o.id AND r.lane = $4)
             ORDER BY o.id LIMIT $2)
           SELECT b.id::text, b.event_id, b.position, b.kind, b.payload::text,
                  (CASE WHEN b.kind = 'post.created' THEN b.payload ELSE jsonb_build_object('type', b.kind) || b.payload END
                    || jsonb_build_object('cursor', b.position))::text,
                  b.recipients::text[], (SELECT count(*) FROM batch)::text,
                  to_json(b.committed_at)::text, (extract(epoch FROM b.committed_at) * 1000)::float8
           FROM batch b WHERE b.running - b.n < $3 ORDER BY b.id`,
    values: [after, limits.rows, limits.recipients, lane.mark],
    rowMode: 'array',
  });
  const messages: OutboxMessage[] = [];
  for (const [rowId, eventId, position, kind, payload, frame, recipients, , committedAt, committedAtMs] of rows) {
    const here = recipients.filter((userId) => shardOf(lane.ring, userId) === lane.shard);
    const row = { rowId, eventId, position, kind, payload, frame, committedAtJson: committedAt ?? 'null', committedAtMs: committedAtMs ?? undefined };
    messages.push(...laneMessages(lane, row, here, limits.recipientsPerMessage));
  }
  const ids = rows.map((row) => row[0]);
  const fetched = Number(rows[0]?.[7] ?? 0);
  return { messages, rows: ids.length, last: ids.at(-1) ?? after, full: fetched === limits.rows || ids.length < fetched, ranges: consecutive(ids) };
}

/**
 * One row's messages on one shard. The message id names the layout and the shard, so a
 * notifier's duplicate check never takes a part under one layout for a part under another.
 */
function laneMessages(
  lane: ShardLane,
  row: { rowId: string; eventId: string; position: string; kind: string; payload: string; frame: string; committedAtJson: string; committedAtMs: number | undefined },
  recipients: readonly string[], perMessage: number,
): OutboxMessage[] {
  const parts = Math.ceil(recipients.length / perMessage);
  const messages: OutboxMessage[] = [];
  for (let part = 0; part < parts; part += 1) {
    const ids = JSON.stringify(recipients.slice(part * perMessage, (part + 1) * perMessage));
    messages.push({
      rowId: row.rowId,
      eventId: row.eventId,
      messageId: `${row.eventId}:${lane.mark}.${String(part)}`,
      body: `{"eventId":${JSON.stringify(row.eventId)},"position":${JSON.stringify(row.position)},"kind":${JSON.stringify(row.kind)},"payload":${row.payload},"recipients":${ids},"part":${String(part)},"parts":${String(parts)},"committedAt":${row.committedAtJson}}`,
      cursor: row.position,
      frame: row.frame,
      recipients: ids,
      committedAtMs: row.committedAtMs,
    });
  }
  return messages;
}

/**
 * Records that this lane relayed the batch's rows (but those in `kept`), then deletes the
 * rows every lane has relayed, with their marks (and any of an older layout).
 */
export async function settleLane(session: pg.ClientBase, lane: ShardLane, ranges: IdRanges, kept: readonly string[] = []): Promise<void> {
  await session.query(
    `INSERT INTO ${liveSchema}.outbox_relayed (id, lane)
     SELECT o.id, $3 FROM ${liveSchema}.outbox o JOIN unnest($1::bigint[], $2::bigint[]) AS r (low, high) ON o.id BETWEEN r.low AND r.high
     WHERE o.id <> ALL($4::bigint[])
     ON CONFLICT DO NOTHING`,
    [ranges.low, ranges.high, lane.mark, kept],
  );
  await session.query(
    `WITH done AS (
       DELETE FROM ${liveSchema}.outbox o USING unnest($1::bigint[], $2::bigint[]) AS r (low, high)
       WHERE o.id BETWEEN r.low AND r.high
         AND (SELECT count(*) FROM ${liveSchema}.outbox_relayed m WHERE m.id = o.id AND m.lane = ANY($3::text[])) = cardinality($3::text[])
       RETURNING o.id)
     DELETE FROM ${liveSchema}.outbox_relayed m USING done WHERE m.id = done.id`,
    [ranges.low, ranges.high, lane.marks],
  );
}

/** Marks of rows no longer in the outbox (deleted by a relay of one shard, or parked): kept small. */
export async function dropStaleMarks(session: pg.ClientBase): Promise<void> {
  await session.query(`DELETE FROM ${liveSchema}.outbox_relayed m WHERE NOT EXISTS (SELECT 1 FROM ${liveSchema}.outbox o WHERE o.id = m.id)`);
}
