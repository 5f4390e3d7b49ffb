import { friendshipStream, postStream, userStream } from '@herald/contracts';
import { createEventStore, migrateEventStore, type EventStore } from '@herald/eventstore';
import { createLogger, inPool } from '@herald/kit';
import { createTestDatabase, type TestDatabase } from '@herald/kit/testing';
import pg from 'pg';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { v7 as uuid } from 'uuid';
import { followLog, type Follower } from '../live.js';
import { migrateReadModels } from '../migrate.js';
import { createProjections } from '../projections/list.js';
import { feedCap } from '../projections/feed-rows.js';
import type { PostView } from '../projections/posts.js';
import { createReadModelQueries, type ReadModelQueries } from '../queries.js';
import { liveSchema } from '../schema.js';
import { appendEvent as append, buildFromScratch, feedByDefinition, snapshotReadModels } from '../testing.js';
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
    // The feeds' first-pass tally is unlogged: it is never swapped in, but dropped with the build schema.
    assert.equal(tables, ['feed:p', 'feed_friends_added:u', 'feed_merged_authors:p', 'friendships:p', 'posts:p', 'projection_checkpoints:p'], 'permanent (p), not unlogged (u)');
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

/** Every reader's feed as served, whole. */
async function feedsOf(readers: readonly string[]): Promise<Record<string, PostView[]>> {
  const feeds: Record<string, PostView[]> = {};
  for (const reader of readers) feeds[reader] = (await queries.getFeed(reader, 0, feedCap)).map(({ id, text, author_user_id }) => ({ id, text, author_user_id }));
  return feeds;
}

async function definitions(readers: readonly string[]): Promise<Record<string, PostView[]>> {
  const feeds: Record<string, PostView[]> = {};
  for (const reader of readers) feeds[reader] = await feedByDefinition(pool, reader);
  return feeds;
}

const rowsOf = async (query: string) => (await pool.query<{ row: string }>(`SELECT t::text AS row FROM (${query}) t ORDER BY 1`)).rows.map((r) => r.row);

test('a rebuild fills feeds that serve their definition and what live projection served: friendships added and removed, posts deleted, authors crossing the merge limit and back, a feed past the cap', async () => {
  const fresh = () => uuid();
  const [star, fallen, churner, busy, reader] = [fresh(), fresh(), fresh(), fresh(), fresh()];
  const fans = Array.from({ length: 5 }, fresh);
  const everyone = [star, fallen, churner, busy, reader, ...fans];
  for (const userId of everyone) {
    await appendEvent(store, userStream(userId), 'UserRegistered', {
      userId, firstName: 'Bulk', secondName: userId.slice(-5), birthdate: '1980-01-01', biography: '', city: '', passwordHash: 'scrypt$h',
    });
  }
  const befriend = (a: string, b: string) => appendEvent(store, friendshipStream(a, b), 'FriendAdded', { userId: a, friendId: b });
  const unfriend = (a: string, b: string) => appendEvent(store, friendshipStream(a, b), 'FriendRemoved', { userId: a, friendId: b });
  const post = async (authorId: string, text: string) => {
    const postId = uuid();
    await appendEvent(store, postStream(postId), 'PostCreated', { postId, authorId, text });
    return postId;
  };
  const remove = (authorId: string, postId: string) => appendEvent(store, postStream(postId), 'PostDeleted', { postId, authorId });

  // The limit is 4: merged past 4 friends, back to fan-out below 4 (90% of 4, rounded up).
  const early = [await post(star, 'star early'), await post(fallen, 'fallen early')];
  for (const fan of fans) await befriend(star, fan);
  for (const fan of fans) await befriend(fan, fallen);
  await befriend(star, reader);
  await befriend(busy, reader);
  const starPosts = [await post(star, 'star merged 1'), await post(star, 'star merged 2')];
  await unfriend(star, fans[0] as string);
  await unfriend(star, fans[1] as string);
  // Four friends left: inside the band, the star stays merged; the fallen star drops to 3 and leaves.
  for (const fan of fans.slice(0, 3)) await unfriend(fallen, fan);
  await post(fallen, 'fallen back to fan-out');
  // Named by 8 FriendAdded events, yet 2 friends: never past the limit, never merged.
  for (let i = 0; i < 4; i += 1) {
    await befriend(churner, fans[2] as string);
    await unfriend(churner, fans[2] as string);
  }
  await befriend(churner, fans[3] as string);
  await befriend(churner, reader);
  await befriend(churner, fans[2] as string);
  await post(churner, 'churner');
  await remove(star, starPosts[0] as string);
  await remove(fallen, early[1] as string);
  await inPool(feedCap + 100, 16, (i) => post(busy, `busy ${i}`));
  await caughtUp();

  const merged = `SELECT author_id FROM ${liveSchema}.feed_merged_authors WHERE author_id = ANY('{${everyone.join(',')}}'::uuid[])`;
  assert.equal(await rowsOf(merged), await rowsOf(`SELECT '${star}'::uuid`), 'only the star is merged, live');
  const served = await feedsOf(everyone);
  assert.equal(served, await definitions(everyone), 'live projection serves the definition');
  assert.is(served[reader]?.length, feedCap, "the reader's feed is past the cap");
  const feedRows = `SELECT * FROM ${liveSchema}.feed WHERE reader_id = ANY('{${everyone.filter((u) => u !== reader).join(',')}}'::uuid[])`;
  const stored = await rowsOf(feedRows);

  await rebuild(pool, store, await planRebuild(store, { projections, names: ['feeds'], batchSize: 100 }), 100);
  await caughtUp();
  assert.equal(await rowsOf(merged), await rowsOf(`SELECT '${star}'::uuid`), 'the same authors are merged, rebuilt');
  assert.equal(await feedsOf(everyone), served, 'the rebuilt feeds serve what live projection served');
  assert.equal(await definitions(everyone), served);
  assert.equal(await rowsOf(feedRows), stored, 'under the cap, the same rows are stored');
  const { rows: [past] } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${liveSchema}.feed WHERE reader_id = $1`, [reader]);
  assert.is(past?.n, feedCap, 'past the cap, a filled feed stores the cap');
});

test.run();
