import pg from 'pg';

/**
 * How long one of Herald's sessions may sit idle inside a transaction before PostgreSQL
 * ends it (and the transaction). Herald sends a transaction's statements back to back;
 * one left open (a bug, a stalled process) would hold back the event store's read
 * guard, which waits for every older transaction of the cluster, and so stall every
 * subscriber for as long as it stays open.
 */
export const idleInTransactionTimeoutMs = 15_000;

/**
 * Session settings of every Herald session. JIT off: Herald's queries each touch a few
 * rows, but set-returning functions (generate_series, unnest) inflate their estimates
 * past jit_above_cost, and PostgreSQL then compiled the outbox relay's read, a
 * millisecond or two of work, for 10-40 ms at every call: a third of the database's
 * time at 500 posts/s. A caller's own `options` come after these, so they win.
 */
const sessionOptions = '-c jit=off';

/** A pool of Herald's own sessions: a pg.Pool whose sessions' idle-in-transaction time is bounded, without JIT. */
export function createPostgresPool(config: pg.PoolConfig): pg.Pool {
  const options = [sessionOptions, config.options].filter(Boolean).join(' ');
  return new pg.Pool({ idle_in_transaction_session_timeout: idleInTransactionTimeoutMs, ...config, options });
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
