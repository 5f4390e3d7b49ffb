import { friendshipStream } from '@herald/contracts';
import type { EventStore } from '@herald/eventstore';
import { createPostgresEventStore, migrateEventStore } from '@herald/eventstore';
import type { TestDatabase } from '@herald/kit/testing';
import { createTestDatabase } from '@herald/kit/testing';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { v7 as uuidv7 } from 'uuid';
import type { AddFriend, RemoveFriend } from './domain/friendship.js';
import { friendshipDecider } from './domain/friendship.js';
import { HeraldError } from './errors.js';
import { handleCommand } from './pipeline.js';

let db: TestDatabase;
let store: EventStore;

test.before(async () => {
  db = await createTestDatabase('command_api_pipeline');
  await migrateEventStore(db.url);
  store = createPostgresEventStore({ databaseUrl: db.url });
});

test.after(async () => {
  await store.close();
  await db.drop();
});

const now = new Date();
const pair = () => ({ userId: uuidv7(), friendId: uuidv7(), friendRegistered: true });
const add = (data: AddFriend['data']): AddFriend => ({ type: 'AddFriend', data, metadata: { now } });
const remove = (data: RemoveFriend['data']): RemoveFriend => ({ type: 'RemoveFriend', data, metadata: { now } });

/**
 * The real store, with a rival writer that slips a command of its own onto the stream
 * just before each of our first `times` appends: a lost race, made deterministic.
 */
function withRival(rival: (stream: string) => Promise<unknown>, times: number): EventStore {
  let left = times;
  return {
    ...store,
    async append(stream, events, options) {
      if (left > 0) {
        left -= 1;
        await rival(stream);
      }
      return store.append(stream, events, options);
    },
  };
}

/** A rival that ends the friendship and starts it again: the stream moves on, the state stays. */
const removeAndReAdd = (data: AddFriend['data']) => async (stream: string) => {
  await handleCommand(store, friendshipDecider, stream, remove(data));
  await handleCommand(store, friendshipDecider, stream, add(data));
};
const types = async (stream: string) => (await store.readStream(stream)).map((e) => e.type);

test('a lost race is re-decided against the new state: the rival added the friend, so we append nothing', async () => {
  const data = pair();
  const stream = friendshipStream(data.userId, data.friendId);
  const racing = withRival(() => handleCommand(store, friendshipDecider, stream, add({ ...data, userId: data.friendId, friendId: data.userId })), 1);
  const outcome = await handleCommand(racing, friendshipDecider, stream, add(data));
  assert.equal(outcome.events, []);
  assert.equal(await types(stream), ['FriendAdded']);
  assert.is(outcome.position, (await store.readStream(stream))[0]?.position);
});

test('a lost race whose new state still calls for our change appends it after the rival', async () => {
  const data = pair();
  const stream = friendshipStream(data.userId, data.friendId);
  await handleCommand(store, friendshipDecider, stream, add(data));
  // Each time, the rival removes and re-adds the friendship: our removal still applies.
  const racing = withRival(removeAndReAdd(data), 2);
  const outcome = await handleCommand(racing, friendshipDecider, stream, remove(data));
  assert.is(outcome.events.length, 1);
  assert.equal(await types(stream), ['FriendAdded', 'FriendRemoved', 'FriendAdded', 'FriendRemoved', 'FriendAdded', 'FriendRemoved']);
});

test('a command that loses every race gives up after its attempts with 503 write_contention', async () => {
  const data = pair();
  const stream = friendshipStream(data.userId, data.friendId);
  await handleCommand(store, friendshipDecider, stream, add(data));
  const racing = withRival(removeAndReAdd(data), 3);
  try {
    await handleCommand(racing, friendshipDecider, stream, remove(data), { maxAttempts: 3 });
    assert.unreachable('expected write_contention');
  } catch (error) {
    assert.instance(error, HeraldError);
    assert.is((error as HeraldError).error, 'write_contention');
    assert.is((error as HeraldError).status, 503);
    assert.is((error as HeraldError).retryAfterSeconds, 1);
  }
});

test('a fresh stream is appended without reading it; a stream that exists after all falls back to the full path', async () => {
  const data = pair();
  const stream = friendshipStream(data.userId, data.friendId);
  await handleCommand(store, friendshipDecider, stream, add(data));
  // Claiming the stream is fresh is wrong here: the conflict sends the command through load-decide.
  const outcome = await handleCommand(store, friendshipDecider, stream, add(data), { freshStream: true });
  assert.equal(outcome.events, []);
  assert.equal(await types(stream), ['FriendAdded']);
});

test.run();
