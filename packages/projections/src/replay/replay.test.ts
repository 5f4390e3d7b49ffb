import { friendshipStream, postStream, userStream } from '@herald/contracts';
import { createEventStore, migrateEventStore, type EventStore } from '@herald/eventstore';
import { createLogger } from '@herald/kit';
import { createTestDatabase, type TestDatabase } from '@herald/kit/testing';
import pg from 'pg';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { v7 as uuid } from 'uuid';
import { followLog, type Follower } from '../live.js';
import { migrateReadModels } from '../migrate.js';
import { createProjections } from '../projections/list.js';
import { createReadModelQueries, type ReadModelQueries } from '../queries.js';
import { liveSchema } from '../schema.js';
import { appendEvent as append, buildFromScratch, snapshotReadModels } from '../testing.js';
import { planRebuild, rebuild } from './rebuild.js';

let db: TestDatabase;
let pool: pg.Pool;
let store: EventStore;
let queries: ReadModelQueries;
let follower: Follower | undefined;
/** A small fan-out limit, so that live projection and rebuilds both merge authors in and out of feeds. */
const feedFanoutLimit = 4;
const projections = createProjections({ feedFanoutLimit });
const users = Array.from({ length: 20 }, () => uuid());
/** The newest position appended: the log's head may lag it (its read guard is cluster-wide). */
let latest = '';

async function appendEvent(...args: Parameters<typeof append>) {
  const result = await append(...args);
  if (result.position > latest) latest = result.position;
  return result;
}

async function history(rounds: number): Promise<void> {
  const pick = () => users[Math.floor(Math.random() * users.length)] as string;
  for (let i = 0; i < rounds; i += 1) {
    const [a, b] = [pick(), pick()];
    const roll = Math.random();
    if (roll < 0.3 && a !== b) await appendEvent(store, friendshipStream(a, b), 'FriendAdded', { userId: a, friendId: b });
    else if (roll < 0.33 && a !== b) await appendEvent(store, friendshipStream(a, b), 'FriendRemoved', { userId: a, friendId: b });
    else {
      const postId = uuid();
      await appendEvent(store, postStream(postId), 'PostCreated', { postId, authorId: a, text: `#${i}` });
      if (roll > 0.95) await appendEvent(store, postStream(postId), 'PostUpdated', { postId, authorId: a, text: `#${i} edited` });
      else if (roll > 0.93) await appendEvent(store, postStream(postId), 'PostDeleted', { postId, authorId: a });
    }
  }
}

async function caughtUp(): Promise<void> {
  assert.ok(await queries.waitForPosition(latest, 30_000), 'the live projector caught up');
}

async function fromScratch(): Promise<Record<string, string[]>> {
  await buildFromScratch(store, pool, 'from_scratch', latest, projections);
  return snapshotReadModels(pool, 'from_scratch');
}

const outboxRows = () => pool.query(`SELECT count(*)::int AS n FROM ${liveSchema}.outbox`).then((r) => r.rows[0].n as number);

test.before(async () => {
  db = await createTestDatabase('projections_replay');
  pool = new pg.Pool({ connectionString: db.url, max: 6 });
  pool.on('error', () => undefined);
  await migrateEventStore(pool);
  await migrateReadModels(pool);
  store = createEventStore({ databaseUrl: db.url });
  queries = createReadModelQueries(pool);
  for (const userId of users) {
    await appendEvent(store, userStream(userId), 'UserRegistered', {
      userId, firstName: 'Replay', secondName: userId.slice(-5), birthdate: '1980-01-01', biography: '', city: '', passwordHash: 'scrypt$h',
    });
  }
  await history(400);
  follower = followLog({ store, pool, projections, batchSize: 100, logger: createLogger('replay-test', 'silent') });
  await caughtUp();
});

test.after(async () => {
  await follower?.stop();
  await store.close();
  await pool.end();
  await db.drop();
});

test('a rebuild of everything gives the same tables as live projection, and notifies nobody', async () => {
  const live = await snapshotReadModels(pool);
  assert.ok((live.feed_merged_authors ?? []).length > 0, 'some authors are merged into feeds at read time');
  const notifications = await outboxRows();
  const plan = await planRebuild(store, { projections, names: [], batchSize: 100 });
  const result = await rebuild(pool, store, plan, 100);
  assert.ok(result.events > 400);
  await caughtUp();
  assert.equal(await snapshotReadModels(pool), live);
  assert.is(await outboxRows(), notifications, 'history sends no notifications');
});

test('a rebuild builds its tables logged from the start: no SET LOGGED rewrite holds a transaction open (which stalled every subscriber of the cluster)', async () => {
  const persistence: string[][] = [];
  const plan = await planRebuild(store, { projections, names: ['feeds'], batchSize: 20 });
  const seen: Promise<void>[] = [];
  await rebuild(pool, store, plan, 20, () => {
    seen.push(pool.query<{ persistence: string }>(
      `SELECT relname || ':' || relpersistence::text AS persistence FROM pg_class
       WHERE relnamespace = 'read_models_build'::regnamespace AND relkind = 'r' ORDER BY relname`,
    ).then(({ rows }) => void persistence.push(rows.map((r) => r.persistence))));
    seen.at(-1)?.catch(() => undefined);
  });
  await Promise.all(seen);
  assert.ok(persistence.length > 1, 'looked during the build');
  for (const tables of persistence) {
    assert.equal(tables, ['feed:p', 'feed_merged_authors:p', 'friendships:p', 'posts:p', 'projection_checkpoints:p'], 'permanent (p), not unlogged (u)');
  }
});

test('queries keep answering, with the live data, while a rebuild runs', async () => {
  const reader = users[0] as string;
  const before = await queries.getFeed(reader, 0, 50);
  const answers: Promise<unknown>[] = [];
  const plan = await planRebuild(store, { projections, names: ['feeds'], batchSize: 20 });
  await rebuild(pool, store, plan, 20, () => answers.push(queries.getFeed(reader, 0, 50)));
  assert.ok(answers.length > 5, `queried ${answers.length} times during the rebuild`);
  for (const answer of await Promise.all(answers)) assert.equal(answer, before);
});

test('a rebuild while events keep arriving hands over to the live projector without a gap', async () => {
  const writing = history(150);
  const plan = await planRebuild(store, { projections, names: ['feeds'], batchSize: 25 });
  await rebuild(pool, store, plan, 25);
  await writing;
  await caughtUp();
  assert.equal(await snapshotReadModels(pool), await fromScratch());
});

test('a rebuild from a position applies only what came after it, to fresh tables', async () => {
  const { position } = await appendEvent(store, userStream(uuid()), 'UserRegistered', {
    userId: uuid(), firstName: 'Before', secondName: 'Cut', birthdate: '1970-01-01', biography: '', city: '', passwordHash: 'h',
  });
  const late = uuid();
  await appendEvent(store, userStream(late), 'UserRegistered', {
    userId: late, firstName: 'After', secondName: 'Cut', birthdate: '1970-01-01', biography: '', city: '', passwordHash: 'h',
  });
  await caughtUp();
  await rebuild(pool, store, await planRebuild(store, { projections, names: ['users'], from: position, batchSize: 100 }), 100);
  const { rows } = await pool.query(`SELECT first_name FROM ${liveSchema}.users`);
  assert.equal(rows.map((r) => r.first_name), ['After']);
  await rebuild(pool, store, await planRebuild(store, { projections, names: ['users'], batchSize: 100 }), 100);
});

test('the outbox cannot be rebuilt', async () => {
  try {
    await planRebuild(store, { projections, names: ['outbox'], batchSize: 100 });
    assert.unreachable('should refuse');
  } catch (error) {
    assert.match((error as Error).message, 'outbox cannot be rebuilt');
  }
});

test.run();
