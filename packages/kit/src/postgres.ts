import pg from 'pg';

/**
 * How long one of Herald's sessions may sit idle inside a transaction before PostgreSQL
 * ends it (and the transaction). Herald sends a transaction's statements back to back;
 * one left open (a bug, a stalled process) would hold back the event store's read
 * guard, which waits for every older transaction of the cluster, and so stall every
 * subscriber for as long as it stays open.
 */
export const idleInTransactionTimeoutMs = 15_000;

/** A pool of Herald's own sessions: a pg.Pool whose sessions' idle-in-transaction time is bounded. */
export function createPostgresPool(config: pg.PoolConfig): pg.Pool {
  return new pg.Pool({ idle_in_transaction_session_timeout: idleInTransactionTimeoutMs, ...config });
}
