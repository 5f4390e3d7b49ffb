import { friendshipStream, postStream, userStream } from '@herald/contracts';
import { createPostgresEventStore } from '@herald/eventstore';
import type { EventStore } from '@herald/eventstore';
import { pino } from 'pino';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { v7 as uuidv7 } from 'uuid';
import { call } from '@herald/kit/testing';
import type { Harness } from '../testing/harness.js';
import { registeredUser, startHarness } from '../testing/harness.js';

let h: Harness;
let store: EventStore;
const uuidV7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Every log line of the API, to check that a 500's cause is logged. */
const logLines: string[] = [];

test.before(async () => {
  const logger = pino({ level: 'error' }, { write: (line: string) => void logLines.push(line) });
  h = await startHarness('command_api_commands', {}, { logger });
  store = createPostgresEventStore({ databaseUrl: h.db.url });
});

test.after(async () => {
  await store.close();
  await h.close();
});

const types = async (stream: string) => (await store.readStream(stream)).map((e) => e.type);

test('register answers a UUIDv7 user id and the position of the UserRegistered event', async () => {
  const answer = await call(h.baseUrl, 'POST', '/user/register', {
    json: { first_name: 'Ann', second_name: 'Lee', birthdate: '1990-01-02', biography: 'b', city: 'Oslo', password: 'password-1' },
  });
  assert.is(answer.status, 200);
  assert.match(answer.body.user_id, uuidV7);
  const [event] = await store.readStream(userStream(answer.body.user_id));
  assert.is(event?.type, 'UserRegistered');
  assert.is(answer.headers.get('x-herald-position'), event?.position);
  assert.not.ok(JSON.stringify(event?.data).includes('password-1'), 'the password itself is never stored');
});

test('a user can log in the moment registration answers', async () => {
  const user = await registeredUser(h.baseUrl);
  assert.match(user.token, /^[A-Za-z0-9_-]{43}$/);
});

test('post create answers the new post id as a JSON string, with the position', async () => {
  const ann = await registeredUser(h.baseUrl);
  const answer = await call(h.baseUrl, 'POST', '/post/create', { json: { text: 'hello' }, token: ann.token });
  assert.is(answer.status, 200);
  assert.match(answer.headers.get('content-type') ?? '', /application\/json/);
  assert.match(answer.body, uuidV7);
  const [event] = await store.readStream(postStream(answer.body));
  assert.equal(event?.data, { postId: answer.body, authorId: ann.id, text: 'hello' });
  assert.is(answer.headers.get('x-herald-position'), event?.position);
});

test('the author updates and deletes a post; afterwards it is 404', async () => {
  const ann = await registeredUser(h.baseUrl);
  const postId = (await call(h.baseUrl, 'POST', '/post/create', { json: { text: 'v1' }, token: ann.token })).body;
  const updated = await call(h.baseUrl, 'PUT', '/post/update', { json: { id: postId, text: 'v2' }, token: ann.token });
  assert.is(updated.status, 200);
  assert.ok(updated.headers.get('x-herald-position'));
  const deleted = await call(h.baseUrl, 'PUT', `/post/delete/${postId}`, { token: ann.token });
  assert.is(deleted.status, 200);
  assert.equal(await types(postStream(postId)), ['PostCreated', 'PostUpdated', 'PostDeleted']);
  const again = await call(h.baseUrl, 'PUT', '/post/update', { json: { id: postId, text: 'v3' }, token: ann.token });
  assert.is(again.status, 404);
  assert.is(again.body.error, 'post_not_found');
  assert.is((await call(h.baseUrl, 'PUT', `/post/delete/${postId}`, { token: ann.token })).status, 404);
});

test('someone else may neither update nor delete a post (403); an unknown post is 404', async () => {
  const ann = await registeredUser(h.baseUrl);
  const bob = await registeredUser(h.baseUrl);
  const postId = (await call(h.baseUrl, 'POST', '/post/create', { json: { text: 'mine' }, token: ann.token })).body;
  const update = await call(h.baseUrl, 'PUT', '/post/update', { json: { id: postId, text: 'ours' }, token: bob.token });
  assert.is(update.status, 403);
  assert.equal(Object.keys(update.body).sort(), ['code', 'error', 'message', 'request_id']);
  assert.is(update.body.code, 40300);
  assert.is((await call(h.baseUrl, 'PUT', `/post/delete/${postId}`, { token: bob.token })).status, 403);
  assert.is((await call(h.baseUrl, 'PUT', `/post/delete/${uuidv7()}`, { token: ann.token })).status, 404);
  assert.equal(await types(postStream(postId)), ['PostCreated']);
});

test('friendship is one stream per pair, whoever acts; repeats and removals of non-friends append nothing', async () => {
  const ann = await registeredUser(h.baseUrl);
  const bob = await registeredUser(h.baseUrl);
  const stream = friendshipStream(ann.id, bob.id);
  assert.is((await call(h.baseUrl, 'PUT', `/friend/set/${bob.id}`, { token: ann.token })).status, 200);
  const repeat = await call(h.baseUrl, 'PUT', `/friend/set/${ann.id}`, { token: bob.token });
  assert.is(repeat.status, 200);
  assert.ok(repeat.headers.get('x-herald-position'), 'a no-op still answers a position to read at');
  assert.equal(await types(stream), ['FriendAdded']);
  assert.is((await call(h.baseUrl, 'PUT', `/friend/delete/${ann.id}`, { token: bob.token })).status, 200);
  assert.is((await call(h.baseUrl, 'PUT', `/friend/delete/${bob.id}`, { token: ann.token })).status, 200);
  assert.equal(await types(stream), ['FriendAdded', 'FriendRemoved']);
});

test('befriending oneself is 400, an unknown user 404', async () => {
  const ann = await registeredUser(h.baseUrl);
  const self = await call(h.baseUrl, 'PUT', `/friend/set/${ann.id}`, { token: ann.token });
  assert.is(self.status, 400);
  assert.is(self.body.error, 'cannot_befriend_self');
  const unknown = await call(h.baseUrl, 'PUT', `/friend/set/${uuidv7()}`, { token: ann.token });
  assert.is(unknown.status, 404);
  assert.is(unknown.body.error, 'user_not_found');
});

test('20 concurrent friend adds by one user are all applied, no 500', async () => {
  const ann = await registeredUser(h.baseUrl);
  const friends = await Promise.all(Array.from({ length: 20 }, () => registeredUser(h.baseUrl)));
  const answers = await Promise.all(friends.map((f) => call(h.baseUrl, 'PUT', `/friend/set/${f.id}`, { token: ann.token })));
  assert.equal(answers.map((a) => a.status), Array(20).fill(200));
  for (const f of friends) assert.equal(await types(friendshipStream(ann.id, f.id)), ['FriendAdded']);
});

test('20 concurrent post creates by one user are all applied, none lost', async () => {
  const ann = await registeredUser(h.baseUrl);
  const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => call(h.baseUrl, 'POST', '/post/create', { json: { text: `post ${i}` }, token: ann.token })));
  assert.equal(answers.map((a) => a.status), Array(20).fill(200));
  assert.is(new Set(answers.map((a) => a.body)).size, 20);
  for (const a of answers) assert.equal(await types(postStream(a.body)), ['PostCreated']);
});

test('racing writers on one stream are re-decided: both sides adding each other at once make one FriendAdded', async () => {
  const ann = await registeredUser(h.baseUrl);
  const bob = await registeredUser(h.baseUrl);
  const answers = await Promise.all(
    Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? call(h.baseUrl, 'PUT', `/friend/set/${bob.id}`, { token: ann.token }) : call(h.baseUrl, 'PUT', `/friend/set/${ann.id}`, { token: bob.token }))),
  );
  assert.equal(answers.map((a) => a.status), Array(10).fill(200));
  assert.equal(await types(friendshipStream(ann.id, bob.id)), ['FriendAdded']);
});

test('racing updates of one post all land: none is lost, none is a 500', async () => {
  const ann = await registeredUser(h.baseUrl);
  const postId = (await call(h.baseUrl, 'POST', '/post/create', { json: { text: 'v0' }, token: ann.token })).body;
  const answers = await Promise.all(Array.from({ length: 5 }, (_, i) => call(h.baseUrl, 'PUT', '/post/update', { json: { id: postId, text: `v${i + 1}` }, token: ann.token })));
  assert.equal(answers.map((a) => a.status), Array(5).fill(200));
  assert.is((await types(postStream(postId))).length, 6);
});

test('a record the code cannot read is a 500: generic message to the client, the cause in the log', async () => {
  const ann = await registeredUser(h.baseUrl);
  const postId = uuidv7();
  await store.append(postStream(postId), [{ id: uuidv7(), type: 'PostCreated', data: { postId, text: 'no author' }, metadata: { schemaVersion: 1, occurredAt: new Date().toISOString() } }]);
  const answer = await call(h.baseUrl, 'PUT', '/post/update', { json: { id: postId, text: 'x' }, token: ann.token });
  assert.is(answer.status, 500);
  assert.equal(answer.body, { message: 'internal error', request_id: answer.headers.get('x-request-id'), code: 50000, error: 'internal' });
  const logged = logLines.find((line) => line.includes(answer.body.request_id));
  assert.ok(logged, 'the failure is logged with its request id');
  assert.match(logged, 'bad PostCreated payload');
});

test.run();
