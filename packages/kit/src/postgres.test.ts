import pg from 'pg';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createPostgresPool } from './postgres.js';
import { createTestDatabase, eventually, type TestDatabase } from './testing.js';

/**
 * Herald's sessions may not sit idle inside a transaction for long: one that does holds
 * back the event store's read guard (the oldest running transaction of the cluster),
 * and with it every subscriber.
 */
let db: TestDatabase;
let observer: pg.Client;

test.before(async () => {
  db = await createTestDatabase('kit_postgres');
  observer = new pg.Client({ connectionString: db.url });
  await observer.connect();
});

test.after(async () => {
  await observer.end();
  await db.drop();
});

test('a Herald pool bounds how long its sessions may sit idle inside a transaction (15 s)', async () => {
  const pool = createPostgresPool({ connectionString: db.url, max: 1 });
  try {
    const { rows } = await pool.query<{ idle_in_transaction_session_timeout: string }>('SHOW idle_in_transaction_session_timeout');
    assert.is(rows[0]?.idle_in_transaction_session_timeout, '15s');
  } finally {
    await pool.end();
  }
});

test('a Herald session compiles no query with JIT, even one whose estimate is past the threshold', async () => {
  // generate_series up to a bound unknown when planning is estimated at 1,000 rows: this
  // query is estimated far past jit_above_cost, and runs in microseconds.
  const inflated = `EXPLAIN (ANALYZE, FORMAT JSON) SELECT sum(a.g + b.g + c.g) FROM (SELECT 3 + random()::int) v (n),
    LATERAL generate_series(1, v.n) a (g), LATERAL generate_series(1, v.n) b (g), LATERAL generate_series(1, v.n) c (g)`;
  const jitOf = (rows: Array<{ 'QUERY PLAN': Array<Record<string, unknown>> }>) => rows[0]?.['QUERY PLAN'][0]?.JIT;
  const { rows: [available] } = await observer.query<{ jit: boolean }>("SELECT pg_jit_available() AND current_setting('jit')::bool AS jit");
  if (available?.jit) assert.ok(jitOf((await observer.query(inflated)).rows), 'a plain session compiles it: the query is past the threshold');
  const pool = createPostgresPool({ connectionString: db.url, max: 1 });
  try {
    assert.is((await pool.query<{ jit: string }>('SHOW jit')).rows[0]?.jit, 'off');
    assert.is(jitOf((await pool.query(inflated)).rows), undefined);
  } finally {
    await pool.end();
  }
});

test('a session left idle inside a transaction is ended once the bound passes, and its transaction with it', async () => {
  const pool = createPostgresPool({ connectionString: db.url, max: 1, idle_in_transaction_session_timeout: 200 });
  pool.on('error', () => undefined);
  const client = await pool.connect();
  const errors: unknown[] = [];
  client.on('error', (error) => errors.push(error));
  try {
    const { rows } = await client.query<{ pid: number }>('BEGIN; SELECT pg_backend_pid() AS pid, pg_current_xact_id()').then((r) => (Array.isArray(r) ? r[1] : r));
    const pid = rows[0]?.pid;
    await eventually(async () => {
      const { rowCount } = await observer.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid]);
      return rowCount === 0 ? true : undefined;
    }, 'the idle session to be ended');
  } finally {
    client.release(true);
    await pool.end();
  }
});

test.run();
