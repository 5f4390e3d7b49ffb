import { test } from 'uvu';
import type { FriendAdded, FriendRemoved } from '@herald/contracts';
import type { AddFriend, RemoveFriend } from './friendship.js';
import { friendshipDecider } from './friendship.js';
import { specFor } from './testing.js';

const spec = specFor(friendshipDecider);
const now = new Date('2026-03-01T10:00:00.000Z');
const ann = '01890a5d-ac96-774b-bcce-b302099a8057';
const bob = '01890a5d-ac96-774b-bcce-b302099a8058';
const metadata = { schemaVersion: 1, occurredAt: now.toISOString() };

const add = (userId: string, friendId: string, friendRegistered = true): AddFriend => ({
  type: 'AddFriend',
  data: { userId, friendId, friendRegistered },
  metadata: { now },
});
const remove = (userId: string, friendId: string, friendRegistered = true): RemoveFriend => ({
  type: 'RemoveFriend',
  data: { userId, friendId, friendRegistered },
  metadata: { now },
});
const added = (userId: string, friendId: string): FriendAdded => ({ type: 'FriendAdded', data: { userId, friendId }, metadata });
const removed = (userId: string, friendId: string): FriendRemoved => ({ type: 'FriendRemoved', data: { userId, friendId }, metadata });

test('adding a friend records who acted', () => {
  spec([]).when(add(ann, bob)).then([added(ann, bob)]);
});

test('the friendship is symmetric: once Ann added Bob, Bob adding Ann changes nothing', () => {
  spec([added(ann, bob)]).when(add(bob, ann)).then([]);
});

test('adding an existing friend appends nothing', () => {
  spec([added(ann, bob)]).when(add(ann, bob)).then([]);
});

test('either side may end the friendship', () => {
  spec([added(ann, bob)]).when(remove(bob, ann)).then([removed(bob, ann)]);
});

test('removing a non-friend appends nothing', () => {
  spec([]).when(remove(ann, bob)).then([]);
  spec([added(ann, bob), removed(ann, bob)]).when(remove(ann, bob)).then([]);
});

test('friends again after a removal', () => {
  spec([added(ann, bob), removed(bob, ann)]).when(add(bob, ann)).then([added(bob, ann)]);
});

test('a user cannot befriend themselves', () => {
  spec([]).when(add(ann, ann)).thenRefuses('cannot_befriend_self');
});

test('befriending an unknown user is refused as not found', () => {
  spec([]).when(add(ann, bob, false)).thenRefuses('user_not_found');
  spec([]).when(remove(ann, bob, false)).thenRefuses('user_not_found');
});

test.run();
