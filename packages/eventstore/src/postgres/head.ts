import type { Position } from '../port.js';
import type { Queryable } from './driver.js';
import { rowPosition } from './rows.js';

/** The newest position a reader may see now: under the same read guard as readAll. */
const sql = `SELECT transaction_id::text AS transaction_id, global_position::text AS global_position FROM events
  WHERE transaction_id < pg_snapshot_xmin(pg_current_snapshot())
  ORDER BY events.transaction_id DESC, events.global_position DESC LIMIT 1`;

export async function headPosition(db: Queryable): Promise<Position | null> {
  const { rows } = await db.query<{ transaction_id: string; global_position: string }>({ name: 'eventstore_head', text: sql });
  const row = rows[0];
  return row ? rowPosition(row) : null;
}

/**
 * Where a subscription "from the end" starts: after the visible head, skipping the
 * events behind it that had committed before it subscribed (their transactions are in
 * the same snapshot), but keeping those of transactions still running then.
 */
export interface EndOfLog {
  readonly head: Position | null;
  /** Whether an event of this transaction had committed when the subscription began. */
  committedBefore(transactionId: bigint): boolean;
  /** Transactions from here on began after the subscription did. */
  readonly horizon: bigint;
}

const endSql = `SELECT pg_current_snapshot()::text AS snapshot, h.transaction_id::text AS transaction_id, h.global_position::text AS global_position
  FROM (SELECT 1) AS one LEFT JOIN LATERAL (
    SELECT transaction_id, global_position FROM events
    WHERE transaction_id < pg_snapshot_xmin(pg_current_snapshot())
    ORDER BY events.transaction_id DESC, events.global_position DESC LIMIT 1) AS h ON true`;

export async function endOfLog(db: Queryable): Promise<EndOfLog> {
  const { rows } = await db.query<{ snapshot: string; transaction_id: string | null; global_position: string | null }>({ name: 'eventstore_end', text: endSql });
  const row = rows[0];
  if (!row) throw new Error('no snapshot');
  // pg_snapshot text: xmin:xmax:xip,xip,...
  const [xmin = '0', xmax = '0', xip = ''] = row.snapshot.split(':');
  const running = new Set(xip ? xip.split(',').map((x) => BigInt(x)) : []);
  const low = BigInt(xmin);
  const high = BigInt(xmax);
  return {
    head: row.transaction_id && row.global_position ? rowPosition({ transaction_id: row.transaction_id, global_position: row.global_position }) : null,
    committedBefore: (xid) => xid < low || (xid < high && !running.has(xid)),
    horizon: high,
  };
}

/** The newest committed event, whether or not readers may see it yet. */
const committedSql = `SELECT transaction_id::text AS transaction_id, global_position::text AS global_position FROM events
  ORDER BY events.transaction_id DESC, events.global_position DESC LIMIT 1`;

/**
 * The newest event committed now, once readers see it: an older transaction still
 * running anywhere in the cluster holds back the read guard, and with it headPosition(),
 * so the head alone can sit before events that committed long ago. Waits for the guard
 * to pass it, at most `timeoutMs`, then fails saying why.
 */
export async function committedHead(db: Queryable, timeoutMs: number): Promise<Position | null> {
  const { rows } = await db.query<{ transaction_id: string; global_position: string }>({ name: 'eventstore_committed_head', text: committedSql });
  const row = rows[0];
  if (!row) return null;
  const committed = rowPosition(row);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const head = await headPosition(db);
    if (head !== null && head >= committed) return committed;
    if (Date.now() > deadline) {
      throw new Error(`the log's readers do not see position ${committed} yet: a transaction older than it is still running (pg_stat_activity)`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
