import { createTestDatabase, type TestDatabase } from '@herald/kit/testing';
import pg from 'pg';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { v7 as uuid } from 'uuid';
import { applyBatch, type Target } from '../apply.js';
import { migrateReadModels } from '../migrate.js';
import { liveSchema } from '../schema.js';
import { eventMaker, feedByDefinition } from '../testing.js';
import { getFeed } from './feeds.js';
import { createProjections } from './list.js';

/** Limit 3: an author with 4 friends is merged; back to fan-out with 2 (fewer than 90% of 3, rounded up). */
const target: Target = { schema: liveSchema, projections: createProjections({ feedFanoutLimit: 3 }), live: true };
let db: TestDatabase;
let pool: pg.Pool;
const recorded = eventMaker();
type Recorded = ReturnType<typeof recorded>;
const apply = (...events: Recorded[]) => applyBatch(pool, target, events);
const befriend = (userId: string, friendId: string) => recorded('FriendAdded', { userId, friendId });
const unfriend = (userId: string, friendId: string) => recorded('FriendRemoved', { userId, friendId });
const post = (authorId: string, text: string, postId = uuid()) => recorded('PostCreated', { postId, authorId, text });
const served = (reader: string, offset = 0, limit = 1000) => getFeed(pool, reader, offset, limit);
const users = (n: number) => Array.from({ length: n }, () => uuid());

async function merged(): Promise<string[]> {
  const { rows } = await pool.query<{ id: string }>(`SELECT author_id::text AS id FROM ${liveSchema}.feed_merged_authors ORDER BY 1`);
  return rows.map((r) => r.id);
}

async function rowsBy(author: string): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${liveSchema}.feed WHERE author_id = $1`, [author]);
  return rows[0]?.n ?? 0;
}

/** Every reader's served feed is its definition, whole. */
async function assertDefined(readers: readonly string[], what: string): Promise<void> {
  for (const reader of readers) assert.equal(await served(reader), await feedByDefinition(pool, reader), `${what}: ${reader}`);
}

test.before(async () => {
  db = await createTestDatabase('projections_feeds');
  pool = new pg.Pool({ connectionString: db.url, max: 4 });
  await migrateReadModels(pool);
});

test.after(async () => {
  await pool.end();
  await db.drop();
});

test('an author crossing the limit up then down keeps every feed equal to its definition', async () => {
  const [star, reader, other] = [uuid(), uuid(), uuid()];
  const fans = [uuid(), uuid(), uuid()] as const;
  const everyone = [reader, ...fans];
  await apply(befriend(star, reader), befriend(other, reader), befriend(star, fans[0]), befriend(star, fans[1]));
  await apply(...Array.from({ length: 6 }, (_, i) => post(i % 2 === 0 ? star : other, `before ${i}`)));
  assert.equal(await merged(), [], 'three friends is the limit, not past it');
  assert.is(await rowsBy(star), 9, 'fanned out to its three friends');
  await assertDefined(everyone, 'at the limit');

  await apply(befriend(star, fans[2]));
  assert.equal(await merged(), [star], 'a fourth friend merges the star');
  assert.is(await rowsBy(star), 0, "its rows left every friend's feed");
  await assertDefined(everyone, 'just merged');
  assert.equal((await served(fans[2])).map((p) => p.text), ['before 4', 'before 2', 'before 0'], 'a new friend sees its posts at once');

  await apply(post(star, 'merged 1'), post(other, 'fanned'), post(star, 'merged 2'));
  assert.is(await rowsBy(star), 0, 'the posts of a merged author are not fanned out');
  assert.equal((await served(reader, 0, 4)).map((p) => p.text), ['merged 2', 'fanned', 'merged 1', 'before 5']);
  await assertDefined(everyone, 'posting while merged');

  await apply(unfriend(star, fans[2]));
  assert.equal(await merged(), [star], 'three friends again: still merged (it leaves below 90% of the limit)');
  await apply(befriend(fans[2], star));
  assert.equal(await merged(), [star]);
  assert.is(await rowsBy(star), 0, 'oscillating around the limit moves no rows');
  await assertDefined(everyone, 'oscillating');

  await apply(unfriend(star, fans[2]), unfriend(fans[1], star));
  assert.equal(await merged(), [], 'two friends: back to fan-out');
  assert.is(await rowsBy(star), 10, 'its five posts backfilled into both remaining friends');
  await assertDefined(everyone, 'back to fan-out');
  await apply(post(star, 'fanned again'));
  assert.is(await rowsBy(star), 12);
  await assertDefined(everyone, 'posting after');
});

test('past the cap, in feeds trimmed to it, an author crossing up and down still serves the definition', async () => {
  const [star, reader, other] = [uuid(), uuid(), uuid()];
  const fans = [uuid(), uuid(), uuid()] as const;
  const stored = async () => (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${liveSchema}.feed WHERE reader_id = $1`, [reader])).rows[0]?.n;
  await apply(befriend(star, reader), befriend(other, reader), befriend(star, fans[0]));
  await apply(...Array.from({ length: 1500 }, (_, i) => post(i % 3 === 0 ? other : star, `n${i}`)));
  assert.ok((await stored() ?? 0) < 1500, 'trimming posts cut the stored feed');
  await assertDefined([reader, fans[0]], 'trimmed');
  await apply(befriend(star, fans[1]), befriend(star, fans[2]));
  assert.ok((await merged()).includes(star));
  await assertDefined([reader, ...fans], 'merged');
  await apply(unfriend(star, fans[1]), unfriend(star, fans[2]));
  assert.not.ok((await merged()).includes(star));
  assert.ok((await stored() ?? 0) >= 1000);
  await assertDefined([reader, ...fans], 'back to fan-out');
});

test('paging over a feed merged from stored rows and several merged authors is exact', async () => {
  const [reader, ...authors] = users(6) as [string, ...string[]];
  const stars = authors.slice(0, 3);
  const crowd = users(4);
  await apply(...authors.map((a) => befriend(reader, a)), ...stars.flatMap((s) => crowd.map((c) => befriend(s, c))));
  const now = await merged();
  assert.ok(stars.every((s) => now.includes(s)) && !authors.slice(3).some((a) => now.includes(a)), 'three of the five friends are merged');
  await apply(...Array.from({ length: 70 }, (_, i) => post(authors[(i * 7) % authors.length] as string, `p${i}`)));
  const whole = await feedByDefinition(pool, reader);
  assert.is(whole.length, 70);
  assert.equal(await served(reader), whole);
  for (const [offset, limit] of [[0, 1], [0, 10], [3, 7], [10, 10], [33, 5], [65, 10], [69, 1], [70, 5], [100, 10], [0, 70]] as const) {
    assert.equal(await served(reader, offset, limit), whole.slice(offset, offset + limit), `offset ${offset}, limit ${limit}`);
  }
});

test('a merged feed serves the newest 1000 posts and no more', async () => {
  const [reader, star, friend] = users(3) as [string, string, string];
  await apply(befriend(reader, star), befriend(reader, friend), ...users(4).map((c) => befriend(star, c)));
  await apply(...Array.from({ length: 1100 }, (_, i) => post(i % 5 === 0 ? friend : star, `n${i}`)));
  const whole = await feedByDefinition(pool, reader);
  assert.is(whole.length, 1000);
  assert.is(whole[0]?.text, 'n1099');
  assert.equal(await served(reader, 0, 1000), whole);
  assert.equal(await served(reader, 995, 10), whole.slice(995));
  assert.equal(await served(reader, 1000, 10), []);
  assert.equal(await served(reader, 500, 3), whole.slice(500, 503));
});

test("a merged author's edits, deletes and ended friendships show in feeds; befriending one backfills nothing", async () => {
  const [reader, star, late] = users(3) as [string, string, string];
  await apply(befriend(reader, star), ...users(4).map((c) => befriend(star, c)));
  const [keep, drop] = [uuid(), uuid()];
  await apply(post(star, 'old', keep), post(star, 'doomed', drop), post(late, 'by late'));
  await apply(recorded('PostUpdated', { postId: keep, authorId: star, text: 'new' }));
  await apply(recorded('PostDeleted', { postId: drop, authorId: star }));
  assert.equal((await served(reader)).map((p) => p.text), ['new']);
  await apply(befriend(late, star));
  assert.is(await rowsBy(star), 0, 'no backfill of a merged author');
  assert.equal((await served(late)).map((p) => p.text), ['new']);
  assert.equal((await served(star)).map((p) => p.text), ['by late'], 'a merged author still reads a fanned-out feed');
  await apply(unfriend(reader, star));
  assert.equal(await served(reader), []);
});

test('a database with feeds v1 migrates to v2 keeping its feed rows, which serve as before', async () => {
  const v1 = await createTestDatabase('projections_feeds_v1');
  const old = new pg.Pool({ connectionString: v1.url, max: 2 });
  try {
    // What v1 left: its version recorded with its checkpoint, a feed table, no list of merged authors.
    await migrateReadModels(old);
    await old.query(`DROP TABLE ${liveSchema}.feed_merged_authors; UPDATE ${liveSchema}.projection_checkpoints SET version = 1 WHERE projection = 'feeds'`);
    const [author, reader] = [uuid(), uuid()];
    await old.query(`INSERT INTO ${liveSchema}.posts VALUES ($1, $2, 'from v1', now())`, [uuid(), author]);
    await old.query(`INSERT INTO ${liveSchema}.friendships VALUES ($1, $2), ($2, $1)`, [author, reader]);
    await old.query(`INSERT INTO ${liveSchema}.feed SELECT $1, created_at, id, author_id FROM ${liveSchema}.posts`, [reader]);
    assert.equal(await migrateReadModels(old), ['feeds-v2']);
    const { rows: versions } = await old.query(`SELECT version FROM ${liveSchema}.projection_checkpoints WHERE projection = 'feeds'`);
    assert.is(versions[0]?.version, 2, 'recorded as version 2: not rebuilt');
    assert.equal((await getFeed(old, reader, 0, 10)).map((p) => p.text), ['from v1']);
    const { rows } = await old.query(`SELECT count(*)::int AS n FROM ${liveSchema}.feed_merged_authors`);
    assert.is(rows[0]?.n, 0);
  } finally {
    await old.end();
    await v1.drop();
  }
});

test.run();
