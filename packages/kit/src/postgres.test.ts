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
