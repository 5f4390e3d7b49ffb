import { cursorBefore, startOfHistory } from '@herald/contracts';
import type pg from 'pg';
import { liveSchema } from '../schema.js';

/** Outbox rows ready to publish: the message bodies are built by PostgreSQL, not in Node. */
export interface OutboxBatch {
  /** One message per part of each row's recipient list, in row order. */
  readonly messages: readonly OutboxMessage[];
  /** Rows (posts) in the batch. */
  readonly rows: number;
  /** The highest id in the batch: the next read starts after it. */
  readonly last: string;
  /** Rows may follow it: it was cut by one of the limits. */
  readonly full: boolean;
  /** The batch's ids as inclusive ranges of consecutive ids, for its delete. */
  readonly ranges: IdRanges;
}

export interface OutboxMessage {
  /** The outbox row (post) this message is part of. */
  readonly rowId: string;
  /** The event the row notifies of (PostCreated, PostUpdated, PostDeleted). */
  readonly eventId: string;
  readonly messageId: string;
  readonly body: string;
  /** The post's log position: the cursor its readers resume from. */
  readonly cursor: string;
  /**
   * What a reader's socket is sent, as JSON: a new post as the AsyncAPI Post message and
   * its cursor; an edit or a delete with its `type` too (contracts' pushedFrame, built here).
   */
  readonly frame: string;
  /** This message's recipients, as a JSON array of user ids. */
  readonly recipients: string;
  /** When the event was committed to the log (epoch ms); none for a row written before outbox v4. */
  readonly committedAtMs: number | undefined;
}

export interface IdRanges {
  readonly low: readonly string[];
  readonly high: readonly string[];
}

/** How much one batch may hold. */
export interface BatchLimits {
  /** Most rows (posts). */
  readonly rows: number;
  /** Most recipients over all its rows; a row alone above it still makes a batch of one. */
  readonly recipients: number;
  /** Most recipients in one message: a longer list is split into parts. */
  readonly recipientsPerMessage: number;
}

/** Held on a session for as long as a relay publishes: one relay at a time, across processes. */
const relayLockKey = "hashtext('herald.outbox.relay')";

export async function tryRelayLock(session: pg.ClientBase): Promise<boolean> {
  const { rows } = await session.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(${relayLockKey}) AS ok`);
  return rows[0]?.ok === true;
}

/**
 * The rows after id `after`, lowest first, up to the limits. No row locks: the relay
 * lock makes this relay the only reader, and a row is deleted only after its confirms.
 */
export async function readOutbox(session: pg.ClientBase, after: string, limits: BatchLimits): Promise<OutboxBatch> {
  const { rows } = await session.query<[string, string, string, string, string, string, string, string, number | null]>({
    // Prepared once per session: planning it cost a third as much as running it, at every pass.
    name: 'herald_outbox_read',
    // b.id, not id: a bare name in ORDER BY would sort by the id::text output column.
    text: `WITH batch AS (
             SELECT o.id, o.event_id, o.position, o.kind, o.payload, o.recipients, o.committed_at, cardinality(o.recipients) AS n,
                    sum(cardinality(o.recipients)) OVER (ORDER BY o.id) AS running
             FROM ${liveSchema}.outbox o WHERE o.id > $1::bigint ORDER BY o.id LIMIT $2)
           SELECT b.id::text, b.event_id || ':' || part,
                  (SELECT count(*) FROM batch)::text,
                  json_build_object('eventId', b.event_id, 'position', b.position, 'kind', b.kind, 'payload', b.payload,
                    'recipients', r.ids, 'part', part, 'parts', k.parts, 'committedAt', b.committed_at)::text,
                  b.position, (CASE WHEN b.kind = 'post.created' THEN b.payload ELSE jsonb_build_object('type', b.kind) || b.payload END
                    || jsonb_build_object('cursor', b.position))::text, to_json(r.ids)::text, b.event_id::text,
                  (extract(epoch FROM b.committed_at) * 1000)::float8
           FROM batch b
           CROSS JOIN LATERAL (SELECT greatest(1, ceil(b.n / $4::numeric)::int) AS parts) k
           CROSS JOIN LATERAL generate_series(0, k.parts - 1) AS part
           CROSS JOIN LATERAL (SELECT b.recipients[part * $4 + 1 : (part + 1) * $4]) AS r (ids)
           WHERE b.running - b.n < $3
           ORDER BY b.id, part`,
    values: [after, limits.rows, limits.recipients, limits.recipientsPerMessage],
    rowMode: 'array',
  });
  const messages = rows.map(([rowId, messageId, , body, cursor, frame, recipients, eventId, committedAtMs]) => ({
    rowId, eventId, messageId, body, cursor, frame, recipients, committedAtMs: committedAtMs ?? undefined,
  }));
  const ids = [...new Set(rows.map((row) => row[0]))];
  const fetched = Number(rows[0]?.[2] ?? 0);
  const full = fetched === limits.rows || ids.length < fetched;
  return { messages, rows: ids.length, last: ids.at(-1) ?? after, full, ranges: consecutive(ids) };
}

/**
 * Where notification history must start for this outbox: just before its oldest waiting
 * row (every row older than it was published and deleted), or, with none waiting, the
 * outbox's checkpoint (every post up to it is relayed; '' before its first start, when
 * nothing was ever notified).
 */
export async function historyBound(session: pg.ClientBase): Promise<string> {
  const { rows } = await session.query<{ oldest: string | null; checkpoint: string | null }>(
    `SELECT (SELECT position FROM ${liveSchema}.outbox ORDER BY id LIMIT 1) AS oldest,
            (SELECT position FROM ${liveSchema}.projection_checkpoints WHERE projection = 'outbox') AS checkpoint`,
  );
  const { oldest, checkpoint } = rows[0] ?? { oldest: null, checkpoint: null };
  if (oldest) return cursorBefore(oldest);
  return checkpoint || startOfHistory;
}

/**
 * Deletes exactly the batch's rows but those in `kept`: a range covers only ids the batch
 * read, never a row committed since.
 */
export async function deleteOutbox(session: pg.ClientBase, ranges: IdRanges, kept: readonly string[] = []): Promise<void> {
  await session.query({
    name: 'herald_outbox_delete',
    text: `DELETE FROM ${liveSchema}.outbox o USING unnest($1::bigint[], $2::bigint[]) AS r (low, high)
           WHERE o.id BETWEEN r.low AND r.high AND o.id <> ALL($3::bigint[])`,
    values: [ranges.low, ranges.high, kept],
  });
}

/** Moves rows the broker keeps refusing out of the outbox, with why, so the rows behind them flow (see docs/operations.md). */
export async function parkOutbox(session: pg.ClientBase, ids: readonly string[], reason: string): Promise<void> {
  await session.query(
    `WITH moved AS (DELETE FROM ${liveSchema}.outbox WHERE id = ANY($1::bigint[]) RETURNING *)
     INSERT INTO ${liveSchema}.outbox_parked (id, event_id, position, kind, payload, recipients, reason)
     SELECT id, event_id, position, kind, payload, recipients, $2 FROM moved`,
    [ids, reason],
  );
}

/**
 * Parks one shard's part of rows its broker keeps refusing: a copy of each row with that
 * shard's recipients only. The row stays for the other shards; the caller marks it
 * relayed on this one.
 */
export async function parkShardPart(
  session: pg.ClientBase, shard: string, parts: readonly { rowId: string; recipients: readonly string[] }[], reason: string,
): Promise<void> {
  await session.query(
    `INSERT INTO ${liveSchema}.outbox_parked (id, shard, event_id, position, kind, payload, recipients, reason)
     SELECT o.id, $1, o.event_id, o.position, o.kind, o.payload, ARRAY(SELECT jsonb_array_elements_text(p.recipients)::uuid), $4
     FROM unnest($2::bigint[], $3::jsonb[]) AS p (id, recipients) JOIN ${liveSchema}.outbox o ON o.id = p.id
     ON CONFLICT (id, shard) DO NOTHING`,
    [shard, parts.map((p) => p.rowId), parts.map((p) => JSON.stringify(p.recipients)), reason],
  );
}

export function consecutive(ids: readonly string[]): IdRanges {
  const low: string[] = [];
  const high: string[] = [];
  let previous = -2n;
  for (const id of ids) {
    const value = BigInt(id);
    if (value === previous + 1n) high[high.length - 1] = id;
    else {
      low.push(id);
      high.push(id);
    }
    previous = value;
  }
  return { low, high };
}
