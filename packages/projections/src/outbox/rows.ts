import type pg from 'pg';
import { liveSchema } from '../schema.js';

/** Outbox rows ready to publish: the message body is built by PostgreSQL, not in Node. */
export interface OutboxBatch {
  readonly messages: readonly OutboxMessage[];
  /** The highest id in the batch: the next read starts after it. */
  readonly last: string;
  /** The batch's ids as inclusive ranges of consecutive ids, for its delete. */
  readonly ranges: IdRanges;
}

export interface OutboxMessage {
  readonly routingKey: string;
  readonly messageId: string;
  readonly body: string;
}

export interface IdRanges {
  readonly low: readonly string[];
  readonly high: readonly string[];
}

/** Held on a session for as long as a relay publishes: one relay at a time, across processes. */
const relayLockKey = "hashtext('herald.outbox.relay')";

export async function tryRelayLock(session: pg.ClientBase): Promise<boolean> {
  const { rows } = await session.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(${relayLockKey}) AS ok`);
  return rows[0]?.ok === true;
}

/**
 * Up to `limit` rows after id `after`, lowest first. No row locks: the relay lock makes
 * this relay the only reader, and a row is deleted only after its confirm.
 */
export async function readOutbox(session: pg.ClientBase, after: string, limit: number): Promise<OutboxBatch> {
  const { rows } = await session.query<[string, string, string, string]>({
    // o.id, not id: a bare name in ORDER BY would sort by the id::text output column.
    text: `SELECT o.id::text, o.routing_key, o.event_id || ':' || o.reader_id::text,
                  json_build_object('eventId', o.event_id, 'position', o.position, 'payload', o.payload)::text
           FROM ${liveSchema}.outbox o WHERE o.id > $1::bigint ORDER BY o.id LIMIT $2`,
    values: [after, limit],
    rowMode: 'array',
  });
  const messages = rows.map(([, routingKey, messageId, body]) => ({ routingKey, messageId, body }));
  return { messages, last: rows.at(-1)?.[0] ?? after, ranges: consecutive(rows.map((row) => row[0])) };
}

/** Deletes exactly the batch's rows: a range covers only ids the batch read, never a row committed since. */
export async function deleteOutbox(session: pg.ClientBase, ranges: IdRanges): Promise<void> {
  await session.query(
    `DELETE FROM ${liveSchema}.outbox o USING unnest($1::bigint[], $2::bigint[]) AS r (low, high)
     WHERE o.id BETWEEN r.low AND r.high`,
    [ranges.low, ranges.high],
  );
}

function consecutive(ids: readonly string[]): IdRanges {
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
