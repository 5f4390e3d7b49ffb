import { RestoredLogError } from '../errors.js';
import type { Queryable } from './driver.js';

/**
 * Positions are transaction ids (xid8), which only order the log while every row was
 * written by this cluster: then each is below the next id it will hand out. A log
 * restored with pg_dump/pg_restore onto another cluster keeps its old ids; where they
 * are ahead of the new cluster's, new events would sort before old ones (subscribers
 * past them skip them for ever) and the read guard would hide the old ones. A physical
 * copy (pg_basebackup, PITR, pg_upgrade) keeps the ids and passes.
 */
const sql = `SELECT (SELECT events.transaction_id::text FROM events ORDER BY events.transaction_id DESC LIMIT 1) AS newest,
  pg_snapshot_xmax(pg_current_snapshot())::text AS next`;

const xid = (full: bigint) => `${full} (epoch ${full >> 32n}, xid ${full & 0xffffffffn})`;

/** Throws RestoredLogError when the log holds transaction ids this cluster has not reached. */
export async function checkLogTransactions(db: Queryable): Promise<void> {
  const { rows } = await db.query<{ newest: string | null; next: string }>({ name: 'eventstore_cluster_check', text: sql });
  const row = rows[0];
  if (!row?.newest) return;
  const [newest, next] = [BigInt(row.newest), BigInt(row.next)];
  if (newest < next) return;
  const epoch = (newest >> 32n) + 1n;
  throw new RestoredLogError(
    `the event log holds transaction ids up to ${xid(newest)}, but this PostgreSQL cluster's next one is ${xid(next)}: `
    + 'it was restored onto another cluster (pg_dump/pg_restore), where new events would sort before old ones and readers would skip them. '
    + `Nothing is appended or read until the cluster's transaction id epoch is past the log's: stop PostgreSQL, run \`pg_resetwal -e ${epoch} <data directory>\`, `
    + 'start it again (docs/operations.md, "Restoring a backup").',
  );
}
