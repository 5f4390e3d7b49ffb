import { createTestDatabase, type TestDatabase } from '@herald/kit/testing';
import pg from 'pg';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EventStoreUnavailableError } from '../errors.js';
import { failure, newEvents } from '../testing/helpers.js';
import { migrateEventStore } from './migrations.js';
import { createPostgresEventStore } from './store.js';

/**
 * A log restored (pg_dump/pg_restore) onto a cluster whose transaction ids are behind
 * the ones it holds: positions are transaction ids, so new events would sort before
 * old ones, and the read guard would hide the old ones. The restore is simulated the
 * way pg_restore writes rows: with the transaction ids of the cluster they came from.
 */
let database: TestDatabase;
let direct: pg.Client;

test.before(async () => {
  database = await createTestDatabase('eventstore_restore');
  await migrateEventStore(database.url);
  direct = new pg.Client({ connectionString: database.url });
  await direct.connect();
});

test.after(async () => {
  await direct.end();
  await database.drop();
});

/** Rows as a dump of a cluster one epoch ahead of this one holds them. */
async function restoreFromClusterAhead(): Promise<{ epochNeeded: bigint }> {
  const { rows } = await direct.query<{ xid: string }>(`SELECT (pg_snapshot_xmax(pg_current_snapshot())::text::numeric + 4294967296 * 1 + 5)::text AS xid`);
  const restored = BigInt(rows[0]?.xid ?? '0');
  await direct.query(`INSERT INTO streams (stream_id, revision) VALUES ('restored-1', 0)`);
  await direct.query(
    `INSERT INTO events (transaction_id, stream_id, revision, event_id, type, data, metadata)
     VALUES ($1::xid8, 'restored-1', 0, gen_random_uuid(), 'Happened', '{}', 'null')`,
    [restored.toString()],
  );
  return { epochNeeded: (restored >> 32n) + 1n };
}

test('a log holding transaction ids this cluster has not reached refuses appends and reads, naming the fix, and writes nothing', async () => {
  const before = createPostgresEventStore({ databaseUrl: database.url });
  await before.append('ordinary-1', newEvents(1));
  await before.close();
  const { epochNeeded } = await restoreFromClusterAhead();
  const { rows: counted } = await direct.query<{ n: number }>('SELECT count(*)::int AS n FROM events');

  const store = createPostgresEventStore({ databaseUrl: database.url, pollIntervalMs: 50 });
  try {
    const refusals = [
      await failure(() => store.append('ordinary-2', newEvents(1))),
      await failure(() => store.readAll({ maxCount: 10 })),
      await failure(() => store.headPosition()),
      await failure(() => store.ping()),
      await failure(async () => {
        for await (const _ of store.subscribeToAll({ from: 'start' })) break;
      }),
    ];
    for (const error of refusals) {
      assert.instance(error, EventStoreUnavailableError);
      assert.match((error as Error).message, /restored onto another cluster/);
      assert.match((error as Error).message, `pg_resetwal -e ${epochNeeded}`);
    }
    const { rows } = await direct.query<{ n: number }>('SELECT count(*)::int AS n FROM events');
    assert.is(rows[0]?.n, counted[0]?.n, 'nothing appended');
  } finally {
    await store.close();
  }
});

test.run();
