import type { EventFilter, ReadAllResult, StartFrom } from '../port.js';
import { decodePosition } from '../position.js';
import type { Queryable } from './driver.js';
import { headPosition } from './head.js';
import { eventColumns, rowPosition, toRecordedEvent, type EventRow } from './rows.js';

/**
 * The read guard: only rows of transactions older than the oldest one still running
 * (pg_snapshot_xmin) are read. Every row that could still become visible sorts after
 * them, so a reader that has moved past a position never skips an event.
 */
const unfilteredSql = `SELECT ${eventColumns()} FROM events
  WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint)
    AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
  ORDER BY events.transaction_id, events.global_position LIMIT $3`;

/**
 * With a filter, a window of the log is scanned and only the wanted rows come back,
 * with the window's last position so the next batch starts after the unwanted ones.
 */
const filteredSql = `WITH scanned AS (
    SELECT *, ($4::text[] IS NULL OR type = ANY($4::text[]))
      AND ($5::text[] IS NULL OR EXISTS (SELECT 1 FROM unnest($5::text[]) p WHERE starts_with(stream_id, p))) AS wanted
    FROM events
    WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint)
      AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
    ORDER BY transaction_id, global_position LIMIT $3),
  tail AS (
    SELECT transaction_id::text AS last_transaction_id, global_position::text AS last_global_position,
      (SELECT count(*) FROM scanned)::int AS scanned
    FROM scanned ORDER BY transaction_id DESC, global_position DESC LIMIT 1)
  SELECT tail.*, ${eventColumns('s')}
  FROM tail LEFT JOIN scanned s ON s.wanted
  ORDER BY s.transaction_id, s.global_position`;

interface FilteredRow extends EventRow {
  readonly last_transaction_id: string;
  readonly last_global_position: string;
  readonly scanned: number;
}

function startPosition(from: StartFrom): { transactionId: bigint; globalPosition: bigint } | undefined {
  if (from === 'start') return { transactionId: 0n, globalPosition: 0n };
  if (from === 'end') return undefined;
  const parts = decodePosition(from.after);
  return { transactionId: parts.high, globalPosition: parts.low };
}

export async function readAllEvents(db: Queryable, from: StartFrom, maxCount: number, filter: EventFilter | undefined): Promise<ReadAllResult> {
  const start = startPosition(from);
  if (!start) {
    const head = await headPosition(db);
    return { events: [], next: head ? { after: head } : 'start', caughtUp: true };
  }
  const values = [start.transactionId.toString(), start.globalPosition.toString(), maxCount];
  if (!filter) {
    const { rows } = await db.query<EventRow>({ name: 'eventstore_read_all', text: unfilteredSql, values });
    const events = rows.map(toRecordedEvent);
    const last = events[events.length - 1];
    return { events, next: last ? { after: last.position } : from, caughtUp: rows.length < maxCount };
  }
  const { rows } = await db.query<FilteredRow>({
    name: 'eventstore_read_all_filtered',
    text: filteredSql,
    values: [...values, filter.eventTypes ?? null, filter.streamPrefixes ?? null],
  });
  const tail = rows[0];
  if (!tail) return { events: [], next: from, caughtUp: true };
  const events = rows.filter((row) => row.event_id !== null).map(toRecordedEvent);
  const next = { after: rowPosition({ transaction_id: tail.last_transaction_id, global_position: tail.last_global_position }) };
  return { events, next, caughtUp: tail.scanned < maxCount };
}
