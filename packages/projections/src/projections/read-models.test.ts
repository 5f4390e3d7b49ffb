import type { RecordedEvent } from '@herald/eventstore';
import { createTestDatabase, type TestDatabase } from '@herald/kit/testing';
import pg from 'pg';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { v7 as uuid } from 'uuid';
import { applyBatch, type Target } from '../apply.js';
import { migrateReadModels } from '../migrate.js';
import { createReadModelQueries, type ReadModelQueries } from '../queries.js';
import { liveSchema } from '../schema.js';
import { eventMaker } from '../testing.js';
import { trims } from './feed-rows.js';
import { listFriends } from './friendships.js';
import { projections } from './list.js';

let db: TestDatabase;
let pool: pg.Pool;
let queries: ReadModelQueries;
const target: Target = { schema: liveSchema, projections, live: true };
const recorded = eventMaker();
const apply = (...events: ReturnType<typeof recorded>[]) => applyBatch(pool, target, events);

const register = (userId: string, firstName: string, secondName: string) =>
  recorded('UserRegistered', {
    userId, firstName, secondName, birthdate: '1990-02-03', biography: 'Chess', city: 'Kazan', passwordHash: 'scrypt$secret',
  });
const befriend = (userId: string, friendId: string) => recorded('FriendAdded', { userId, friendId });
const unfriend = (userId: string, friendId: string) => recorded('FriendRemoved', { userId, friendId });
const post = (postId: string, authorId: string, text: string) => recorded('PostCreated', { postId, authorId, text });

/** The outbox rows (one per post) that name `reader` among their recipients. */
async function outboxFor(reader: string) {
  const { rows } = await pool.query(
    `SELECT payload, event_id, position, recipients::text[] AS recipients FROM ${liveSchema}.outbox WHERE $1 = ANY(recipients) ORDER BY id`, [reader]);
  return rows;
}

test.before(async () => {
  db = await createTestDatabase('projections_read_models');
  pool = new pg.Pool({ connectionString: db.url, max: 4 });
  await migrateReadModels(pool);
  queries = createReadModelQueries(pool);
});

test.after(async () => {
  await pool.end();
  await db.drop();
});

test('UserRegistered makes a user readable by id, without the password hash', async () => {
  const id = uuid();
  await apply(register(id, 'Konstantin', 'Osipov'));
  assert.equal(await queries.getUser(id), {
    id, first_name: 'Konstantin', second_name: 'Osipov', birthdate: '1990-02-03', biography: 'Chess', city: 'Kazan',
  });
  const { rows } = await pool.query(`SELECT to_jsonb(u)::text AS row FROM ${liveSchema}.users u WHERE id = $1`, [id]);
  assert.not.match(String(rows[0]?.row), 'scrypt');
});

test('search finds users by case-insensitive prefixes of both names, in name order', async () => {
  const a = uuid();
  const b = uuid();
  const c = uuid();
  await apply(register(a, 'Мария', 'Петрова'), register(b, 'марина', 'ПЕТРОВСКАЯ'), register(c, 'Мария', 'Иванова'));
  const found = await queries.searchUsers('мар', 'петр', 10);
  assert.equal(found.map((u) => u.id), [b, a]);
  assert.equal(await queries.searchUsers('Мар', 'Петр', 1).then((r) => r.map((u) => u.id)), [b]);
  assert.equal(await queries.searchUsers('100%', '_', 10), []);
});

test('the name search is served by an index range scan', async () => {
  const { rows } = await pool.query(`EXPLAIN SELECT id FROM ${liveSchema}.users
    WHERE lower(first_name) COLLATE "C" LIKE 'ab%' AND lower(second_name) COLLATE "C" LIKE 'cd%'
    ORDER BY lower(first_name) COLLATE "C", lower(second_name) COLLATE "C", id LIMIT 10`);
  assert.match(rows.map((r) => r['QUERY PLAN']).join('\n'), 'users_name_prefix');
});

test('a friendship is symmetric and its removal too', async () => {
  const a = uuid();
  const b = uuid();
  await apply(befriend(a, b));
  assert.equal(await listFriends(pool, a), [b]);
  assert.equal(await listFriends(pool, b), [a]);
  await apply(unfriend(b, a));
  assert.equal(await listFriends(pool, a), []);
  assert.equal(await listFriends(pool, b), []);
});

test('a post is readable; an update changes its text; a delete removes it', async () => {
  const author = uuid();
  const id = uuid();
  await apply(post(id, author, 'first'));
  const { created_at: createdAt, ...otus } = (await queries.getPost(id)) ?? { created_at: '' };
  assert.equal(otus, { id, text: 'first', author_user_id: author });
  assert.type(createdAt, 'string');
  await apply(recorded('PostUpdated', { postId: id, authorId: author, text: 'second' }));
  assert.is((await queries.getPost(id))?.text, 'second');
  await apply(recorded('PostDeleted', { postId: id, authorId: author }));
  assert.is(await queries.getPost(id), null);
  assert.is(await queries.getPost('not-a-uuid'), null);
});

test("a post reaches every friend's feed, newest first, and one outbox row naming every friend", async () => {
  const [author, r1, r2, stranger] = [uuid(), uuid(), uuid(), uuid()];
  const [p1, p2] = [uuid(), uuid()];
  await apply(befriend(author, r1), befriend(r2, author));
  const created = post(p1, author, 'hello');
  await apply(created, post(p2, author, 'again'));
  for (const reader of [r1, r2]) {
    assert.equal((await queries.getFeed(reader, 0, 10)).map((p) => p.text), ['again', 'hello']);
  }
  assert.equal(await queries.getFeed(stranger, 0, 10), []);
  assert.equal(await queries.getFeed(author, 0, 10), [], 'authors do not read their own posts in their feed');
  const rows = await outboxFor(r1);
  assert.is(rows.length, 2);
  assert.equal(rows[0], {
    payload: { postId: p1, postText: 'hello', author_user_id: author },
    event_id: created.id, position: created.position, recipients: [r1, r2].sort(),
  });
  assert.equal(await outboxFor(r2), rows, 'the same rows, not one per friend');
});

test('a post notifies the friends its author had at its position, even within one batch', async () => {
  const [author, before, after, lonely] = [uuid(), uuid(), uuid(), uuid()];
  // Made in log order: an event's position comes from when it is made.
  const events = [befriend(author, before), post(uuid(), author, 'first'), befriend(after, author), post(uuid(), author, 'second'), post(uuid(), lonely, 'to nobody')];
  const [, first, , second] = events as [unknown, RecordedEvent, unknown, RecordedEvent];
  await apply(...events);
  const rows = (await pool.query(`SELECT event_id, recipients::text[] AS recipients FROM ${liveSchema}.outbox WHERE event_id = ANY($1) ORDER BY id`,
    [[first.id, second.id]])).rows;
  assert.equal(rows, [{ event_id: first.id, recipients: [before] }, { event_id: second.id, recipients: [before, after].sort() }]);
  assert.is((await pool.query(`SELECT count(*)::int AS n FROM ${liveSchema}.outbox WHERE payload->>'author_user_id' = $1`, [lonely])).rows[0].n, 0,
    'a post to nobody writes no row');
});

test('offset and limit page through the feed', async () => {
  const [author, reader] = [uuid(), uuid()];
  await apply(befriend(author, reader));
  await apply(...Array.from({ length: 5 }, (_, i) => post(uuid(), author, `p${i}`)));
  assert.equal((await queries.getFeed(reader, 1, 2)).map((p) => p.text), ['p3', 'p2']);
  assert.equal((await queries.getFeed(reader, 4, 10)).map((p) => p.text), ['p0']);
  assert.equal(await queries.getFeed(reader, 5, 10), []);
});

test("an updated post shows its new text in every feed; a deleted one leaves every feed", async () => {
  const [author, r1, r2] = [uuid(), uuid(), uuid()];
  const [keep, drop] = [uuid(), uuid()];
  await apply(befriend(author, r1), befriend(author, r2), post(keep, author, 'old'), post(drop, author, 'doomed'));
  await apply(recorded('PostUpdated', { postId: keep, authorId: author, text: 'new' }), recorded('PostDeleted', { postId: drop, authorId: author }));
  for (const reader of [r1, r2]) assert.equal((await queries.getFeed(reader, 0, 10)).map((p) => p.text), ['new']);
});

test("an edit and a delete write one outbox row each, of their kind, naming the author's friends at that point", async () => {
  const [author, r1, r2, later, stranger] = [uuid(), uuid(), uuid(), uuid(), uuid()];
  const postId = uuid();
  await apply(befriend(author, r1), befriend(r2, author), post(postId, author, 'first'));
  // Made in log order: an event's position comes from when it is made.
  const edited = recorded('PostUpdated', { postId, authorId: author, text: 'second' });
  await apply(edited);
  await apply(befriend(author, later), unfriend(author, r2));
  const removed = recorded('PostDeleted', { postId, authorId: author });
  await apply(removed);
  const rows = (await pool.query(`SELECT event_id, position, kind, payload, recipients::text[] AS recipients FROM ${liveSchema}.outbox WHERE payload->>'postId' = $1 ORDER BY id`, [postId])).rows;
  assert.equal(rows.map((r) => r.kind), ['post.created', 'post.updated', 'post.deleted'], 'in log order');
  assert.equal(rows[1], {
    event_id: edited.id, position: edited.position, kind: 'post.updated',
    payload: { postId, postText: 'second', author_user_id: author }, recipients: [r1, r2].sort(),
  });
  assert.equal(rows[2], {
    event_id: removed.id, position: removed.position, kind: 'post.deleted',
    payload: { postId, author_user_id: author }, recipients: [r1, later].sort(),
  }, 'a delete carries no text; it reaches the friends of its own time');
  assert.equal(await outboxFor(stranger), []);
  const lonely = uuid();
  const alone = uuid();
  await apply(post(alone, lonely, 'to nobody'));
  await apply(recorded('PostUpdated', { postId: alone, authorId: lonely, text: 'still nobody' }));
  await apply(recorded('PostDeleted', { postId: alone, authorId: lonely }));
  assert.is((await pool.query(`SELECT count(*)::int AS n FROM ${liveSchema}.outbox WHERE payload->>'author_user_id' = $1`, [lonely])).rows[0].n, 0,
    'edits and deletes of a post to nobody write no row');
});

test("FriendAdded backfills each one's posts into the other's feed; FriendRemoved takes them out", async () => {
  const [a, b] = [uuid(), uuid()];
  await apply(post(uuid(), a, 'a1'), post(uuid(), b, 'b1'), post(uuid(), a, 'a2'));
  await apply(befriend(a, b));
  assert.equal((await queries.getFeed(b, 0, 10)).map((p) => p.text), ['a2', 'a1']);
  assert.equal((await queries.getFeed(a, 0, 10)).map((p) => p.text), ['b1']);
  assert.equal(await outboxFor(b), [], 'backfilled history notifies nobody');
  await apply(unfriend(a, b));
  assert.equal(await queries.getFeed(a, 0, 10), []);
  assert.equal(await queries.getFeed(b, 0, 10), []);
});

test('a feed serves the newest 1000 posts, and a trimming post cuts its readers back to them', async () => {
  const [author, reader] = [uuid(), uuid()];
  const postId = (trimming: boolean) => {
    for (;;) {
      const id = uuid();
      if (trims(id) === trimming) return id;
    }
  };
  const rowsOf = async () =>
    (await pool.query(`SELECT count(*)::int AS n FROM ${liveSchema}.feed WHERE reader_id = $1`, [reader])).rows[0].n;
  await apply(befriend(author, reader));
  await apply(...Array.from({ length: 1150 }, (_, i) => post(postId(false), author, `n${i}`)));
  const newest = await queries.getFeed(reader, 0, 1000);
  assert.is(newest.length, 1000);
  assert.is(newest[0]?.text, 'n1149');
  assert.is(newest[999]?.text, 'n150');
  assert.equal(await queries.getFeed(reader, 999, 10).then((r) => r.map((p) => p.text)), ['n150']);
  assert.is(await rowsOf(), 1150, 'no post of that batch trims');
  await apply(post(postId(true), author, 'trimming'), post(postId(false), author, 'after'));
  assert.is(await rowsOf(), 1000, 'a trimming post cuts the feed back at the end of its batch');
  assert.equal((await queries.getFeed(reader, 0, 3)).map((p) => p.text), ['after', 'trimming', 'n1149']);
});

test('a batch applied twice changes nothing', async () => {
  const [author, reader] = [uuid(), uuid()];
  const batch = [befriend(author, reader), post(uuid(), author, 'once')];
  await apply(...batch);
  const again = await apply(...batch);
  assert.is(again.applied, 0);
  assert.equal((await queries.getFeed(reader, 0, 10)).map((p) => p.text), ['once']);
  assert.is((await outboxFor(reader)).length, 1);
});

test('a bad or unknown event is skipped and reported, and the batch goes on', async () => {
  const [author, reader] = [uuid(), uuid()];
  const bad = recorded('PostCreated', { postId: 'nope', authorId: author });
  const unknown = { ...recorded('PostCreated', {}), type: 'SomethingElse' };
  const outcome = await apply(befriend(author, reader), bad, unknown, post(uuid(), author, 'after'));
  assert.equal(outcome.skipped.map((s) => s.eventId), [bad.id, unknown.id]);
  assert.equal((await queries.getFeed(reader, 0, 10)).map((p) => p.text), ['after']);
});

test('an event the database refuses is skipped alone, the rest of its batch applied', async () => {
  const [good, odd] = [uuid(), uuid()];
  const refused = recorded('UserRegistered', {
    userId: odd, firstName: 'Year', secondName: 'Zero', birthdate: '0000-01-01', biography: '', city: '', passwordHash: 'x',
  });
  const outcome = await apply(register(good, 'Good', 'User'), refused);
  assert.equal(outcome.skipped.map((s) => s.eventId), [refused.id]);
  assert.match(outcome.skipped[0]?.reason ?? '', 'refused by the database');
  assert.ok(await queries.getUser(good));
  assert.is(await queries.getUser(odd), null);
});

test('the projected position follows the batches and waitForPosition sees it', async () => {
  const last = post(uuid(), uuid(), 'x');
  await apply(last);
  assert.is(await queries.projectedPosition(), last.position);
  assert.is(await queries.waitForPosition(last.position, 100), true);
  assert.is(await queries.waitForPosition(`${last.position}0`, 30), false);
});

test.run();
