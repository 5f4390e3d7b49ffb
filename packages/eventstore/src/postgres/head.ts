import type { Position } from '../port.js';
import type { Queryable } from './driver.js';
import { rowPosition } from './rows.js';

/** The newest position a reader may see now: under the same read guard as readAll. */
const sql = `SELECT transaction_id::text AS transaction_id, global_position::text AS global_position FROM events
  WHERE transaction_id < pg_snapshot_xmin(pg_current_snapshot())
  ORDER BY transaction_id DESC, global_position DESC LIMIT 1`;

export async function headPosition(db: Queryable): Promise<Position | null> {
  const { rows } = await db.query<{ transaction_id: string; global_position: string }>({ name: 'eventstore_head', text: sql });
  const row = rows[0];
  return row ? rowPosition(row) : null;
}
