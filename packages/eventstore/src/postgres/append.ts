import { WrongExpectedVersionError } from '../errors.js';
import type { ActualRevision, AppendResult, ExpectedRevision } from '../port.js';
import type { SerialisedEvent } from '../validation.js';
import { databaseError, type Queryable } from './driver.js';
import { rowPosition } from './rows.js';

/**
 * How each expectation claims the stream's row. The row lock serialises writers of one
 * stream; under READ COMMITTED a blocked UPDATE re-checks its WHERE against the row
 * that committed, so an exact revision can never be passed twice, and `any` (an upsert)
 * never conflicts however many writers contend.
 */
const claimStream: Record<'any' | 'no_stream' | 'stream_exists' | 'exact', string> = {
  any: `INSERT INTO streams AS s (stream_id, revision) VALUES ($1, $2::int - 1)
        ON CONFLICT (stream_id) DO UPDATE SET revision = s.revision + $2::int RETURNING revision`,
  no_stream: `INSERT INTO streams (stream_id, revision) VALUES ($1, $2::int - 1)
        ON CONFLICT (stream_id) DO NOTHING RETURNING revision`,
  stream_exists: `UPDATE streams SET revision = revision + $2::int WHERE stream_id = $1 RETURNING revision`,
  exact: `UPDATE streams SET revision = $7::bigint + $2::int WHERE stream_id = $1 AND revision = $7::bigint RETURNING revision`,
};

/** The whole batch in one statement: claim the stream, insert every event, report. */
function appendSql(claim: string): string {
  return `WITH stream AS (${claim}),
    appended AS (
      INSERT INTO events (stream_id, revision, event_id, type, data, metadata)
      SELECT $1, stream.revision - $2::int + e.ord, e.id, e.type, e.data::jsonb, e.metadata::jsonb
      FROM stream, unnest($3::uuid[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY AS e(id, type, data, metadata, ord)
      ORDER BY e.ord
      RETURNING transaction_id, global_position)
    SELECT (SELECT revision::text FROM stream) AS revision,
      (SELECT transaction_id::text FROM appended LIMIT 1) AS transaction_id,
      (SELECT max(global_position)::text FROM appended) AS global_position`;
}

const statements = Object.fromEntries(Object.entries(claimStream).map(([kind, claim]) => [kind, appendSql(claim)])) as Record<keyof typeof claimStream, string>;

interface AppendRow {
  readonly revision: string | null;
  readonly transaction_id: string | null;
  readonly global_position: string | null;
}

type Attempt = { readonly kind: 'appended'; readonly result: AppendResult } | { readonly kind: 'rejected' };

async function tryAppend(db: Queryable, stream: string, events: readonly SerialisedEvent[], expected: ExpectedRevision): Promise<Attempt> {
  const kind = typeof expected === 'bigint' ? 'exact' : expected;
  const values: unknown[] = [stream, events.length, events.map((e) => e.id), events.map((e) => e.type), events.map((e) => e.data), events.map((e) => e.metadata)];
  if (typeof expected === 'bigint') values.push(expected.toString());
  try {
    const { rows } = await db.query<AppendRow>({ name: `eventstore_append_${kind}`, text: statements[kind], values });
    const row = rows[0];
    if (!row?.revision || !row.transaction_id || !row.global_position) return { kind: 'rejected' };
    return { kind: 'appended', result: { nextExpectedRevision: BigInt(row.revision), position: rowPosition({ transaction_id: row.transaction_id, global_position: row.global_position }) } };
  } catch (error) {
    // Some of these ids are already in the stream: a retry, or a mistake; decided below.
    if (databaseError(error).constraint === 'events_stream_event_id') return { kind: 'rejected' };
    throw error;
  }
}

interface StreamStateRow {
  readonly current: string | null;
  readonly event_id: string | null;
  readonly revision: string | null;
  readonly transaction_id: string | null;
  readonly global_position: string | null;
}

const stateSql = `SELECT s.revision::text AS current, e.event_id::text AS event_id, e.revision::text AS revision,
    e.transaction_id::text AS transaction_id, e.global_position::text AS global_position
  FROM (SELECT $1::text AS stream_id) q
  LEFT JOIN streams s ON s.stream_id = q.stream_id
  LEFT JOIN events e ON e.stream_id = q.stream_id AND e.event_id = ANY($2::uuid[])`;

/** The events already appended with these ids, when they form this same append. */
function earlierAppend(rows: readonly StreamStateRow[], events: readonly SerialisedEvent[], expected: ExpectedRevision): AppendResult | undefined {
  const found = new Map(rows.filter((r) => r.event_id).map((r) => [r.event_id, r]));
  const first = found.get(events[0]?.id ?? '');
  if (!first?.revision || found.size !== events.length) return undefined;
  const start = BigInt(first.revision);
  if (expected === 'no_stream' && start !== 0n) return undefined;
  if (typeof expected === 'bigint' && start !== expected + 1n) return undefined;
  const inOrder = events.every((e, i) => found.get(e.id)?.revision === (start + BigInt(i)).toString());
  const last = found.get(events[events.length - 1]?.id ?? '');
  if (!inOrder || !last?.revision || !last.transaction_id || !last.global_position) return undefined;
  return { nextExpectedRevision: BigInt(last.revision), position: rowPosition({ transaction_id: last.transaction_id, global_position: last.global_position }) };
}

function satisfies(expected: ExpectedRevision, actual: ActualRevision): boolean {
  if (expected === 'any') return true;
  if (expected === 'no_stream') return actual === 'no_stream';
  if (expected === 'stream_exists') return actual !== 'no_stream';
  return actual === expected;
}

const maxAttempts = 5;

/**
 * Appends a batch with EventStoreDB's expected-revision semantics. A retry of an append
 * that already succeeded (same ids, same place in the stream) returns its first result.
 * Runs on a pool, or on a client inside the caller's transaction.
 */
export async function appendEvents(db: Queryable, stream: string, events: readonly SerialisedEvent[], expected: ExpectedRevision): Promise<AppendResult> {
  for (let attempt = 1; ; attempt += 1) {
    const outcome = await tryAppend(db, stream, events, expected);
    if (outcome.kind === 'appended') return outcome.result;
    const { rows } = await db.query<StreamStateRow>({ name: 'eventstore_stream_state', text: stateSql, values: [stream, events.map((e) => e.id)] });
    const earlier = earlierAppend(rows, events, expected);
    if (earlier) return earlier;
    const current = rows[0]?.current;
    const actual: ActualRevision = current == null ? 'no_stream' : BigInt(current);
    // The statement's snapshot predates a stream created meanwhile: the expectation now
    // holds, so this was no conflict; try again rather than report a false one.
    const duplicateIds = rows.some((r) => r.event_id);
    if (duplicateIds || !satisfies(expected, actual) || attempt === maxAttempts) {
      throw new WrongExpectedVersionError(stream, expected, actual);
    }
  }
}
