import { setTimeout as sleep } from 'node:timers/promises';
import { friendshipStream, postStream, userStream } from '@herald/contracts';
import type { EventStore } from '@herald/eventstore';
import { createPostgresEventStore } from '@herald/eventstore';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { v7 as uuidv7 } from 'uuid';
import { call, type Answer, type CallOptions } from '@herald/kit/testing';
import type { ExtraApi, Harness } from '../testing/harness.js';
import { newUser, registeredUser, startExtraApi, startHarness } from '../testing/harness.js';

let h: Harness;
let store: EventStore;
/** A second API on the same database whose stored answers live one second. */
let forgetful: ExtraApi;

test.before(async () => {
  h = await startHarness('command_api_idempotency');
  store = createPostgresEventStore({ databaseUrl: h.db.url });
  forgetful = await startExtraApi(h.db.url, { IDEMPOTENCY_TTL_SECONDS: '1' });
});

test.after(async () => {
  await forgetful.stop();
  await store.close();
  await h.close();
});

const withKey = (key: string, options: CallOptions = {}): CallOptions => ({ ...options, headers: { ...options.headers, 'idempotency-key': key } });
const newKey = () => `key-${uuidv7()}`;

/** Status, body and position: what a retry must get back unchanged. */
const answerOf = (a: Answer) => ({ status: a.status, body: a.body, position: a.headers.get('x-herald-position') });

async function eventsOfType(type: string): Promise<Array<{ data: any; streamId: string }>> {
  const { events } = await store.readAll({ maxCount: 100_000 });
  return events.filter((e) => e.type === type);
}

test('regression (issue 14): a command retried with the same Idempotency-Key is applied once and answered the same', async () => {
  const ann = await registeredUser(h.baseUrl);
  const key = newKey();
  const create = () => call(h.baseUrl, 'POST', '/post/create', withKey(key, { json: { text: 'once' }, token: ann.token }));
  const first = await create();
  const retry = await create();
  assert.is(first.status, 200, JSON.stringify(first.body));
  assert.equal(answerOf(retry), answerOf(first));
  assert.is(retry.headers.get('idempotent-replayed'), 'true');
  assert.is(first.headers.get('idempotent-replayed'), null);
  const posts = (await eventsOfType('PostCreated')).filter((e) => e.data.authorId === ann.id);
  assert.is(posts.length, 1, 'one PostCreated');
});

test('every command route keeps its answer: register, friend set and delete, post update and delete', async () => {
  const registerKey = newKey();
  const register = () => call(h.baseUrl, 'POST', '/user/register', withKey(registerKey, { json: newUser({ first_name: 'Idem' }) }));
  const registered = await register();
  assert.equal(answerOf(await register()), answerOf(registered));
  assert.is((await store.readStream(userStream(registered.body.user_id))).length, 1);

  const ann = await registeredUser(h.baseUrl);
  const bob = await registeredUser(h.baseUrl);
  const setKey = newKey();
  const befriend = () => call(h.baseUrl, 'PUT', `/friend/set/${bob.id}`, withKey(setKey, { token: ann.token }));
  const befriended = await befriend();
  assert.is((await call(h.baseUrl, 'PUT', `/friend/delete/${bob.id}`, withKey(newKey(), { token: ann.token }))).status, 200);
  // The retry of the first command comes after a later one: it must not undo it.
  assert.equal(answerOf(await befriend()), answerOf(befriended));
  assert.equal((await store.readStream(friendshipStream(ann.id, bob.id))).map((e) => e.type), ['FriendAdded', 'FriendRemoved']);

  const postId = (await call(h.baseUrl, 'POST', '/post/create', { json: { text: 'v1' }, token: ann.token })).body;
  const updateKey = newKey();
  const update = (text: string) => call(h.baseUrl, 'PUT', '/post/update', withKey(updateKey, { json: { id: postId, text }, token: ann.token }));
  const updated = await update('v2');
  assert.is((await call(h.baseUrl, 'PUT', '/post/update', { json: { id: postId, text: 'v3' }, token: ann.token })).status, 200);
  assert.equal(answerOf(await update('v2')), answerOf(updated));
  const deleteKey = newKey();
  const remove = () => call(h.baseUrl, 'PUT', `/post/delete/${postId}`, withKey(deleteKey, { token: ann.token }));
  const removed = await remove();
  assert.equal(answerOf(await remove()), answerOf(removed), 'a second delete is not 404');
  assert.equal((await store.readStream(postStream(postId))).map((e) => e.type), ['PostCreated', 'PostUpdated', 'PostUpdated', 'PostDeleted']);
});

test('a key reused for a different request is 422 idempotency_key_reused, and nothing is applied', async () => {
  const ann = await registeredUser(h.baseUrl);
  const key = newKey();
  assert.is((await call(h.baseUrl, 'POST', '/post/create', withKey(key, { json: { text: 'first' }, token: ann.token }))).status, 200);
  for (const [method, path, json] of [['POST', '/post/create', { text: 'second' }], ['PUT', `/friend/set/${uuidv7()}`, undefined]] as const) {
    const reused = await call(h.baseUrl, method, path, withKey(key, { token: ann.token, ...(json ? { json } : {}) }));
    assert.is(reused.status, 422, JSON.stringify(reused.body));
    assert.is(reused.body.error, 'idempotency_key_reused');
    assert.match(reused.body.message, 'Idempotency-Key');
  }
  assert.is((await eventsOfType('PostCreated')).filter((e) => e.data.authorId === ann.id).length, 1);
});

test('keys are per user: the same key from another user is that user\'s own command', async () => {
  const [ann, bob] = [await registeredUser(h.baseUrl), await registeredUser(h.baseUrl)];
  const key = newKey();
  const fromAnn = await call(h.baseUrl, 'POST', '/post/create', withKey(key, { json: { text: 'same' }, token: ann.token }));
  const fromBob = await call(h.baseUrl, 'POST', '/post/create', withKey(key, { json: { text: 'same' }, token: bob.token }));
  assert.is(fromBob.status, 200);
  assert.is.not(fromBob.body, fromAnn.body);
  const [created] = await store.readStream(postStream(fromBob.body));
  assert.is((created?.data as { authorId?: string } | undefined)?.authorId, bob.id);
});

test('a malformed Idempotency-Key is 400 naming the header', async () => {
  const ann = await registeredUser(h.baseUrl);
  for (const key of ['x'.repeat(256), 'has space', 'tab\there', 'clé']) {
    const answer = await call(h.baseUrl, 'POST', '/post/create', withKey(key, { json: { text: 'x' }, token: ann.token }));
    assert.is(answer.status, 400, key);
    assert.is(answer.body.error, 'invalid_input');
    assert.match(answer.body.message, 'Idempotency-Key');
  }
});

test('parallel requests with one key apply the command once: the others get its answer or 409 idempotency_key_in_use', async () => {
  const ann = await registeredUser(h.baseUrl);
  const key = newKey();
  const answers = await Promise.all(Array.from({ length: 6 }, () => call(h.baseUrl, 'POST', '/post/create', withKey(key, { json: { text: 'race' }, token: ann.token }))));
  const created = answers.filter((a) => a.status === 200);
  const busy = answers.filter((a) => a.status === 409);
  assert.ok(created.length >= 1 && created.length + busy.length === 6, JSON.stringify(answers.map((a) => a.status)));
  assert.ok(created.every((a) => a.body === created[0]!.body), 'one post id');
  assert.ok(busy.every((a) => a.body.error === 'idempotency_key_in_use' && Number(a.headers.get('retry-after')) >= 1));
  assert.is((await eventsOfType('PostCreated')).filter((e) => e.data.authorId === ann.id).length, 1);
});

test('an answer lost (or expired) is rebuilt from the event store: a create or delete is not applied twice', async () => {
  const ann = await registeredUser(forgetful.baseUrl);
  const createKey = newKey();
  const create = () => call(forgetful.baseUrl, 'POST', '/post/create', withKey(createKey, { json: { text: 'kept' }, token: ann.token }));
  const created = await create();
  const deleteKey = newKey();
  const remove = () => call(forgetful.baseUrl, 'PUT', `/post/delete/${created.body}`, withKey(deleteKey, { token: ann.token }));
  const removed = await remove();
  await sleep(1_500); // past IDEMPOTENCY_TTL_SECONDS: Redis no longer holds either answer
  const [createdAgain, removedAgain] = [await create(), await remove()];
  assert.equal(answerOf(createdAgain), answerOf(created));
  assert.equal(answerOf(removedAgain), answerOf(removed));
  assert.equal((await store.readStream(postStream(created.body))).map((e) => e.type), ['PostCreated', 'PostDeleted']);
});

test.run();
