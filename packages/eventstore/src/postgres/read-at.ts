import type { RecordedEvent } from '../port.js';
import { decodePosition } from '../position.js';
import type { Queryable } from './driver.js';
import { eventColumns, toRecordedEvent, type EventRow } from './rows.js';

/** One row by its primary key, under the same read guard as readAll: what readers can see. */
const sql = `SELECT ${eventColumns()} FROM events
  WHERE transaction_id = $1::xid8 AND global_position = $2::bigint
    AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())`;

export async function readEventAt(db: Queryable, position: string): Promise<RecordedEvent | null> {
  const { high, low } = decodePosition(position);
  // A global position beyond bigint cannot be in the table.
  if (low > (1n << 63n) - 1n) return null;
  const { rows } = await db.query<EventRow>({ name: 'eventstore_read_at', text: sql, values: [high.toString(), low.toString()] });
  const row = rows[0];
  return row ? toRecordedEvent(row) : null;
}
