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

/**
 * Runs `work` on one session taken from the pool. A session the server ends while it is
 * out of the pool (a restart, a terminated backend) fails its query and also emits
 * 'error'; nobody listens to a session in use, so that event would end the process.
 * It is heard here, and the broken session is dropped instead of going back to the pool.
 */
export async function withSession<T>(pool: pg.Pool, work: (session: pg.PoolClient) => Promise<T>): Promise<T> {
  const session = await pool.connect();
  let broken: Error | undefined;
  const onError = (error: Error) => {
    broken = error;
  };
  session.on('error', onError);
  try {
    return await work(session);
  } finally {
    session.off('error', onError);
    session.release(broken);
  }
}
