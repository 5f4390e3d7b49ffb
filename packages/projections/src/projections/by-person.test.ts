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
import { projections } from './list.js';

let db: TestDatabase;
let pool: pg.Pool;
let queries: ReadModelQueries;
const target: Target = { schema: liveSchema, projections, live: true };
// Event n is committed at 2026-01-01T00:00:00Z plus n seconds.
const recorded = eventMaker();
const apply = (...events: ReturnType<typeof recorded>[]) => applyBatch(pool, target, events);

const register = (userId: string, firstName: string, secondName: string) =>
  recorded('UserRegistered', { userId, firstName, secondName, birthdate: '1990-02-03', biography: '', city: 'Kazan', passwordHash: 'scrypt$x' });
const befriend = (userId: string, friendId: string) => recorded('FriendAdded', { userId, friendId });
const post = (postId: string, authorId: string, text: string) => recorded('PostCreated', { postId, authorId, text });

test.before(async () => {
  db = await createTestDatabase('projections_by_person');
  pool = new pg.Pool({ connectionString: db.url, max: 4 });
  await migrateReadModels(pool);
  queries = createReadModelQueries(pool);
});

test.after(async () => {
  await pool.end();
  await db.drop();
});

test("an author's posts list newest first, paged, each with its commit time; another author's stay out", async () => {
  const [author, other] = [uuid(), uuid()];
  const [p1, p2, p3] = [uuid(), uuid(), uuid()];
  await apply(post(p1, author, 'one'), post(uuid(), other, 'not hers'), post(p2, author, 'two'), post(p3, author, 'three'));
  const all = await queries.listPostsByAuthor(author, 0, 10);
  assert.equal(all.map((p) => p.text), ['three', 'two', 'one']);
  assert.equal(all.map((p) => p.created_at), ['2026-01-01T00:00:04.000Z', '2026-01-01T00:00:03.000Z', '2026-01-01T00:00:01.000Z']);
  assert.equal(all[0], { id: p3, text: 'three', author_user_id: author, created_at: '2026-01-01T00:00:04.000Z' });
  assert.equal((await queries.listPostsByAuthor(author, 1, 1)).map((p) => p.id), [p2]);
  assert.equal(await queries.listPostsByAuthor('not-a-uuid', 0, 10), []);
  assert.is((await queries.getPost(p1))?.created_at, '2026-01-01T00:00:01.000Z');
});

test('feed posts carry the time they were written', async () => {
  const [author, reader, postId] = [uuid(), uuid(), uuid()];
  await apply(befriend(reader, author));
  const written = post(postId, author, 'timed');
  await apply(written);
  assert.equal(await queries.getFeed(reader, 0, 10), [{ id: postId, text: 'timed', author_user_id: author, created_at: written.createdAt.toISOString() }]);
});

test("a user's friends list as users, by name, from either side of the friendship", async () => {
  const [me, zoe, amy, stranger] = [uuid(), uuid(), uuid(), uuid()];
  await apply(register(me, 'Me', 'Myself'), register(zoe, 'Zoe', 'Adams'), register(amy, 'amy', 'Zhou'), register(stranger, 'Stan', 'Ger'));
  await apply(befriend(me, zoe), befriend(amy, me));
  assert.equal((await queries.listFriends(me)).map((u) => u.first_name), ['amy', 'Zoe']);
  assert.equal((await queries.listFriends(zoe)).map((u) => u.id), [me]);
  assert.equal(Object.keys((await queries.listFriends(zoe))[0] ?? {}).sort(), ['biography', 'birthdate', 'city', 'first_name', 'id', 'second_name']);
  assert.equal(await queries.listFriends(stranger), []);
});

test.run();
