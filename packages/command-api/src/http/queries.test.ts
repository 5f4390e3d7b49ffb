import { loadConfig } from '@herald/kit';
import { call, uniqueName } from '@herald/kit/testing';
import type { Projector } from '@herald/projections';
import { settings as projectorSettings, startProjector } from '@herald/projections';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { v7 as uuidv7 } from 'uuid';
import type { ExtraApi, Harness } from '../testing/harness.js';
import { registeredUser, startExtraApi, startHarness } from '../testing/harness.js';

let h: Harness;
let projector: Projector;
/** A second API on the same database that waits only 100 ms for a position. */
let impatient: ExtraApi;

test.before(async () => {
  // A generous bound so that a busy machine does not fail the tests; it is not a timing claim.
  h = await startHarness('command_api_queries', { CONSISTENCY_WAIT_MS: '20000' });
  impatient = await startExtraApi(h.db.url, { CONSISTENCY_WAIT_MS: '100' });
  projector = await startProjector(
    loadConfig(projectorSettings, {
      DATABASE_URL: h.db.url,
      PROJECTOR_HOST: '127.0.0.1',
      PROJECTOR_PORT: '0',
      FEED_EXCHANGE: uniqueName('herald.posts'),
      REDIS_KEY_PREFIX: `${uniqueName('herald-test.queries')}:`,
      LOG_LEVEL: 'silent',
    }),
  );
});

test.after(async () => {
  await impatient.stop();
  await projector.stop();
  await h.close();
});

/** A post view with the OTUS fields only (Herald adds created_at). */
const withoutTime = ({ created_at: _time, ...otus }: Record<string, unknown>) => otus;

/** A query that waits for the position a command answered with: read-your-writes. */
const readAt = (position: string | null, path: string, token?: string) =>
  call(h.baseUrl, 'GET', path, { headers: position ? { 'x-herald-position': position } : {}, ...(token ? { token } : {}) });

test('a registered user is readable at the position registration answered', async () => {
  const profile = { first_name: 'Grace', second_name: 'Hopper', birthdate: '1906-12-09', biography: 'COBOL', city: 'New York', password: 'debugging!' };
  const registered = await call(h.baseUrl, 'POST', '/user/register', { json: profile });
  const answer = await readAt(registered.headers.get('x-herald-position'), `/user/get/${registered.body.user_id}`);
  assert.is(answer.status, 200);
  assert.equal(answer.body, { id: registered.body.user_id, first_name: 'Grace', second_name: 'Hopper', birthdate: '1906-12-09', biography: 'COBOL', city: 'New York' });
});

test('an unknown user is 404', async () => {
  const answer = await call(h.baseUrl, 'GET', `/user/get/${uuidv7()}`);
  assert.is(answer.status, 404);
  assert.is(answer.body.error, 'user_not_found');
});

test('search finds users by name prefixes', async () => {
  const registered = await call(h.baseUrl, 'POST', '/user/register', {
    json: { first_name: 'Barbara', second_name: 'Liskov', birthdate: '1939-11-07', password: 'substitution' },
  });
  const answer = await readAt(registered.headers.get('x-herald-position'), '/user/search?first_name=Barb&last_name=Lis');
  assert.is(answer.status, 200);
  assert.ok(answer.body.some((u: { id: string }) => u.id === registered.body.user_id));
  const none = await call(h.baseUrl, 'GET', '/user/search?first_name=Zzz&last_name=Qqq');
  assert.equal(none.body, []);
});

test('search takes either name part alone (Herald extension); with neither it is 400 naming them', async () => {
  const registered = await call(h.baseUrl, 'POST', '/user/register', {
    json: { first_name: 'Edsger', second_name: 'Dijkstra', birthdate: '1930-05-11', password: 'shortest-path' },
  });
  const position = registered.headers.get('x-herald-position');
  const found = (path: string) => readAt(position, path).then((a) => a.body.map((u: { id: string }) => u.id));
  assert.ok((await found('/user/search?first_name=edsg')).includes(registered.body.user_id), 'by first name alone');
  assert.ok((await found('/user/search?first_name=&last_name=DIJK')).includes(registered.body.user_id), 'by last name alone');
  const neither = await call(h.baseUrl, 'GET', '/user/search?first_name=&last_name=');
  assert.is(neither.status, 400);
  assert.match(neither.body.message, 'first_name, last_name or both');
});

test('a post reads back at its position; updated text shows; a deleted post is 404', async () => {
  const ann = await registeredUser(h.baseUrl);
  const created = await call(h.baseUrl, 'POST', '/post/create', { json: { text: 'first' }, token: ann.token });
  const postId: string = created.body;
  const read = await readAt(created.headers.get('x-herald-position'), `/post/get/${postId}`);
  assert.equal(withoutTime(read.body), { id: postId, text: 'first', author_user_id: ann.id });
  assert.match(read.body.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, 'created_at: ISO 8601 UTC');
  const updated = await call(h.baseUrl, 'PUT', '/post/update', { json: { id: postId, text: 'second' }, token: ann.token });
  assert.is((await readAt(updated.headers.get('x-herald-position'), `/post/get/${postId}`)).body.text, 'second');
  const deleted = await call(h.baseUrl, 'PUT', `/post/delete/${postId}`, { token: ann.token });
  const gone = await readAt(deleted.headers.get('x-herald-position'), `/post/get/${postId}`);
  assert.is(gone.status, 404);
  assert.is(gone.body.error, 'post_not_found');
});

test('friendship is symmetric: when Ann adds Bob, each sees the other\'s posts', async () => {
  const ann = await registeredUser(h.baseUrl);
  const bob = await registeredUser(h.baseUrl);
  await call(h.baseUrl, 'PUT', `/friend/set/${bob.id}`, { token: ann.token });
  const fromBob = await call(h.baseUrl, 'POST', '/post/create', { json: { text: 'from bob' }, token: bob.token });
  const fromAnn = await call(h.baseUrl, 'POST', '/post/create', { json: { text: 'from ann' }, token: ann.token });
  const annFeed = await readAt(fromAnn.headers.get('x-herald-position'), '/post/feed', ann.token);
  assert.equal(annFeed.body.map(withoutTime), [{ id: fromBob.body, text: 'from bob', author_user_id: bob.id }]);
  const bobFeed = await readAt(fromAnn.headers.get('x-herald-position'), '/post/feed', bob.token);
  assert.equal(bobFeed.body.map(withoutTime), [{ id: fromAnn.body, text: 'from ann', author_user_id: ann.id }]);
  assert.type(bobFeed.body[0].created_at, 'string', 'feed posts carry created_at');
});

test('the feed pages with offset and limit, newest first; an unfriend empties it', async () => {
  const ann = await registeredUser(h.baseUrl);
  const bob = await registeredUser(h.baseUrl);
  await call(h.baseUrl, 'PUT', `/friend/set/${bob.id}`, { token: ann.token });
  let position: string | null = null;
  for (const text of ['one', 'two', 'three']) {
    position = (await call(h.baseUrl, 'POST', '/post/create', { json: { text }, token: bob.token })).headers.get('x-herald-position');
  }
  const page = await readAt(position, '/post/feed?offset=1&limit=1', ann.token);
  assert.equal(page.body.map((p: { text: string }) => p.text), ['two']);
  const all = await readAt(position, '/post/feed', ann.token);
  assert.equal(all.body.map((p: { text: string }) => p.text), ['three', 'two', 'one']);
  const unfriended = await call(h.baseUrl, 'PUT', `/friend/delete/${ann.id}`, { token: bob.token });
  assert.equal((await readAt(unfriended.headers.get('x-herald-position'), '/post/feed', ann.token)).body, []);
});

test('a position the read models do not reach in time is 503 with Retry-After, not stale data', async () => {
  const answer = await call(impatient.baseUrl, 'GET', `/user/get/${uuidv7()}`, { headers: { 'x-herald-position': 'ffffffffffffffff-ffffffffffffffff' } });
  assert.is(answer.status, 503);
  assert.is(answer.body.error, 'read_model_behind');
  assert.is(answer.headers.get('retry-after'), '1');
});

test("an author's posts list newest first, with times, paged; an unknown author is 404 (GET /post/list)", async () => {
  const ann = await registeredUser(h.baseUrl);
  let position: string | null = null;
  for (const text of ['a', 'b', 'c']) {
    position = (await call(h.baseUrl, 'POST', '/post/create', { json: { text }, token: ann.token })).headers.get('x-herald-position');
  }
  const all = await readAt(position, `/post/list?author_id=${ann.id}`);
  assert.is(all.status, 200);
  assert.equal(all.body.map((p: { text: string }) => p.text), ['c', 'b', 'a']);
  assert.ok(all.body.every((p: { author_user_id: string; created_at: string }) => p.author_user_id === ann.id && p.created_at <= all.body[0].created_at));
  assert.equal((await readAt(position, `/post/list?author_id=${ann.id}&offset=1&limit=1`)).body.map((p: { text: string }) => p.text), ['b']);
  const unknown = await call(h.baseUrl, 'GET', `/post/list?author_id=${uuidv7()}`);
  assert.is(unknown.status, 404);
  assert.is(unknown.body.error, 'user_not_found');
  const bad = await call(h.baseUrl, 'GET', '/post/list?author_id=nope');
  assert.is(bad.status, 400);
  assert.match(bad.body.message, 'author_id');
});

test("a user's friends list by name, from either side; it needs a token (GET /friend/list)", async () => {
  const register = (first: string) => call(h.baseUrl, 'POST', '/user/register', {
    json: { first_name: first, second_name: 'Tester', birthdate: '1990-01-01', password: 'long enough' },
  }).then(async (r) => ({ id: r.body.user_id as string, token: (await call(h.baseUrl, 'POST', '/login', { json: { id: r.body.user_id, password: 'long enough' } })).body.token as string }));
  const [zoe, amy, kim] = [await register('Zoe'), await register('Amy'), await register('Kim')];
  await call(h.baseUrl, 'PUT', `/friend/set/${zoe.id}`, { token: kim.token });
  const added = await call(h.baseUrl, 'PUT', `/friend/set/${amy.id}`, { token: kim.token });
  const names = (a: { body: { first_name: string }[] }) => a.body.map((u) => u.first_name);
  assert.equal(names(await readAt(added.headers.get('x-herald-position'), '/friend/list', kim.token)), ['Amy', 'Zoe']);
  assert.equal(names(await readAt(added.headers.get('x-herald-position'), '/friend/list', zoe.token)), ['Kim']);
  const removed = await call(h.baseUrl, 'PUT', `/friend/delete/${kim.id}`, { token: zoe.token });
  assert.equal(names(await readAt(removed.headers.get('x-herald-position'), '/friend/list', kim.token)), ['Amy']);
  assert.is((await call(h.baseUrl, 'GET', '/friend/list')).status, 401);
});

test('the feed needs a token', async () => {
  const answer = await call(h.baseUrl, 'GET', '/post/feed');
  assert.is(answer.status, 401);
});

test.run();
