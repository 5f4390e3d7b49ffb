import { createTestDatabase, type TestDatabase } from '@herald/kit/testing';
import pg from 'pg';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createEventStore } from './create.js';
import { migrateEventStore } from './postgres/migrations.js';
import { newEvents, uniquePrefix } from './testing/helpers.js';

let database: TestDatabase;

test.before(async () => {
  database = await createTestDatabase('eventstore_create');
  await migrateEventStore(database.url);
});

test.after(async () => {
  await database?.drop();
});

/** Sessions open on the test database other than the asker's own. */
async function storeSessions(): Promise<number> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid()`,
    );
    return rows[0]?.n ?? 0;
  } finally {
    await client.end();
  }
}

test('createEventStore sizes the PostgreSQL pool with poolSize: concurrent appends share that many sessions', async () => {
  const store = createEventStore({ databaseUrl: database.url, poolSize: 2 });
  try {
    const prefix = uniquePrefix('pool');
    const appended = await Promise.all(Array.from({ length: 12 }, (_, i) => store.append(`${prefix}${i}`, newEvents(1))));
    const sessions = await storeSessions();
    // The pool's sessions, and the one side session that announces appends (wakeup.ts).
    assert.ok(sessions <= 2 + 1, `${sessions} sessions: no more than poolSize and the wakeup session`);
    assert.is(new Set(appended.map((a) => a.position)).size, 12, 'every append went through');
  } finally {
    await store.close();
  }
});

test.run();
