import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { aggregateOfStream, stateOfStream } from './aggregates.js';

const metadata = { schemaVersion: 1, occurredAt: '2026-03-01T10:00:00.000Z' };
const userId = '01890a5d-ac96-774b-bcce-b302099a8057';
const friendId = '01890a5d-ac96-774b-bcce-b302099a8058';
const postId = '01890a5d-ac96-774b-bcce-b302099a8059';
const record = (revision: number, type: string, data: unknown) => ({ type, data, metadata, revision: BigInt(revision) });
const registered = record(0, 'UserRegistered', {
  userId, firstName: 'Ada', secondName: 'Lovelace', birthdate: '1815-12-10', biography: 'numbers', city: 'London', passwordHash: 'scrypt$15$8$1$c2FsdA$aGFzaA',
});

test('a stream belongs to the aggregate its name starts with', () => {
  assert.equal(
    [`user-${userId}`, `friendship-${userId}_${friendId}`, `post-${postId}`, 'orders-1'].map(aggregateOfStream),
    ['user', 'friendship', 'post', undefined],
  );
});

test("a user's state never shows the password hash", () => {
  const view = stateOfStream(`user-${userId}`, [registered]);
  assert.equal(view, { aggregate: 'user', state: { status: 'registered', userId } });
  assert.not.match(JSON.stringify(view), 'scrypt');
});

test('folding fewer records is the state as it was then', () => {
  const records = [
    record(0, 'PostCreated', { postId, authorId: userId, text: 'first' }),
    record(1, 'PostUpdated', { postId, authorId: userId, text: 'second' }),
    record(2, 'PostDeleted', { postId, authorId: userId }),
  ];
  assert.equal(stateOfStream(`post-${postId}`, records.slice(0, 2)).state, { status: 'live', authorId: userId, text: 'second' });
  assert.equal(stateOfStream(`post-${postId}`, records).state, { status: 'deleted', authorId: userId });
  assert.equal(stateOfStream(`post-${postId}`, []).state, { status: 'none' });
});

test('a stream of no aggregate is refused, naming the stream kinds there are', () => {
  assert.throws(() => stateOfStream('orders-1', []), /orders-1 belongs to no aggregate \(streams are named user-…, friendship-…, post-…\)/);
});

test('a record the decider cannot read is a broken log, not a state', () => {
  assert.throws(() => stateOfStream(`post-${postId}`, [record(0, 'PostCreated', { postId })]), /revision 0: bad PostCreated payload/);
});

test.run();
