import { userStream } from '@herald/contracts';
import { createEventStore, migrateEventStore, type EventStore } from '@herald/eventstore';
import { createLogger } from '@herald/kit';
import { createTestDatabase, eventually, type TestDatabase } from '@herald/kit/testing';
import pg from 'pg';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { v7 as uuid } from 'uuid';
import { followLog } from './live.js';
import { migrateReadModels } from './migrate.js';
import { lastProblems } from './problems.js';
import { projections } from './projections/list.js';
import { appendEvent } from './testing.js';

const silent = createLogger('problems-test', 'silent');
let db: TestDatabase;
let unmigrated: TestDatabase;
let pool: pg.Pool;
let store: EventStore;

test.before(async () => {
  [db, unmigrated] = await Promise.all([createTestDatabase('projections_problems'), createTestDatabase('projections_problems_nolog')]);
  pool = new pg.Pool({ connectionString: db.url, max: 4 });
  pool.on('error', () => undefined);
  await migrateEventStore(pool);
  await migrateReadModels(pool);
  store = createEventStore({ databaseUrl: db.url });
});

test.after(async () => {
  await store.close();
  await pool.end();
  await Promise.all([db.drop(), unmigrated.drop()]);
});

test('a live batch records the event it skipped, for the projections that did not apply it', async () => {
  const userId = uuid();
  const { position } = await appendEvent(store, userStream(userId), 'UserRegistered', { userId, firstName: 'No other field' });
  const follower = followLog({ store, pool, projections, batchSize: 10, logger: silent });
  try {
    const problem = await eventually(async () => (await lastProblems(pool)).get('users'), 'a problem recorded for users');
    assert.is(problem.kind, 'skipped');
    assert.is(problem.position, position);
    assert.is(problem.type, 'UserRegistered');
    assert.match(problem.message, 'bad UserRegistered payload');
    assert.is((await lastProblems(pool)).get('posts'), undefined, 'posts do not handle UserRegistered');
  } finally {
    await follower.stop();
  }
});

test('a failure to follow the log is recorded as an error of every projection', async () => {
  const noLog = createEventStore({ databaseUrl: unmigrated.url });
  const follower = followLog({ store: noLog, pool, projections, batchSize: 10, logger: silent });
  try {
    const problem = await eventually(async () => {
      const found = (await lastProblems(pool)).get('posts');
      return found?.kind === 'error' ? found : undefined;
    }, 'an error recorded');
    assert.match(problem.message, 'events');
    assert.is(problem.eventId, null);
  } finally {
    await follower.stop();
    await noLog.close();
  }
});

test.run();
