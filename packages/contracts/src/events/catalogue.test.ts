import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { HeraldEventType } from './catalogue.js';
import { eventCatalogue, heraldEventTypes, isHeraldEventType, parseEvent } from './catalogue.js';
import { friendshipStream, postStream, streamPrefixes, userStream } from '../streams.js';
import { isPostFrame, pushedChangeSchema, pushedFrame } from '../history.js';
import { notificationMessageId, postNotificationSchema } from '../notification.js';

const alice = '0190f6a2-7c1e-7d2a-9a3b-2f1e4c5d6a7b';
const bob = '0190f6a2-7c1e-7d2a-9a3b-2f1e4c5d6a7c';
const post = '0190f6a2-7c1e-7d2a-9a3b-2f1e4c5d6a7d';
const metadata = { schemaVersion: 1, occurredAt: '2026-11-29T19:00:00.000Z', requestId: 'req-1' };

const validData: Record<HeraldEventType, unknown> = {
  UserRegistered: {
    userId: alice, firstName: 'Alice', secondName: 'Liddell', birthdate: '1990-05-04',
    biography: 'reads', city: 'Oxford', passwordHash: 'scrypt$16384$8$1$c2FsdA$aGFzaA',
  },
  FriendAdded: { userId: alice, friendId: bob },
  FriendRemoved: { userId: alice, friendId: bob },
  PostCreated: { postId: post, authorId: alice, text: 'hello' },
  PostUpdated: { postId: post, authorId: alice, text: 'hello again' },
  PostDeleted: { postId: post, authorId: alice },
};

test('the catalogue names the six events, each writing version 1', () => {
  assert.equal([...heraldEventTypes].sort(), ['FriendAdded', 'FriendRemoved', 'PostCreated', 'PostDeleted', 'PostUpdated', 'UserRegistered']);
  for (const type of heraldEventTypes) assert.is(eventCatalogue[type].currentVersion, 1, type);
  assert.ok(isHeraldEventType('PostCreated'));
  assert.not.ok(isHeraldEventType('toString'), 'inherited names are not event types');
});

for (const type of heraldEventTypes) {
  test(`a valid ${type} parses with its data and metadata`, () => {
    const result = parseEvent(type, validData[type], metadata);
    if (!result.ok) return assert.unreachable(result.reason);
    assert.equal(result.event, { type, data: validData[type], metadata });
  });
}

test('metadata without a requestId parses', () => {
  const { requestId: _omitted, ...withoutRequest } = metadata;
  assert.ok(parseEvent('FriendAdded', validData.FriendAdded, withoutRequest).ok);
});

function reasonOf(type: string, data: unknown, meta: unknown): string {
  const result = parseEvent(type, data, meta);
  if (result.ok) throw new Error(`expected ${type} to be refused, it parsed`);
  return result.reason;
}

test('an unknown type is refused, naming it', () => {
  assert.is(reasonOf('UserRenamed', {}, metadata), 'unknown event type UserRenamed');
});

test('an unknown schema version is refused, naming type and version', () => {
  assert.is(reasonOf('PostCreated', validData.PostCreated, { ...metadata, schemaVersion: 7 }), 'PostCreated has no schema version 7');
});

test('a bad payload is refused, naming the field', () => {
  const reason = reasonOf('PostCreated', { postId: 'not-a-uuid', authorId: alice, text: 'x' }, metadata);
  assert.match(reason, /^bad PostCreated payload: /);
  assert.match(reason, 'postId');
  assert.match(reasonOf('UserRegistered', { ...(validData.UserRegistered as object), birthdate: '04/05/1990' }, metadata), 'birthdate');
  assert.match(reasonOf('FriendAdded', { userId: alice }, metadata), 'friendId');
});

test('bad metadata is refused, naming the field', () => {
  assert.match(reasonOf('PostDeleted', validData.PostDeleted, { ...metadata, occurredAt: 'yesterday' }), /^bad metadata on PostDeleted: [\s\S]*occurredAt/);
  assert.match(reasonOf('PostDeleted', validData.PostDeleted, { ...metadata, schemaVersion: 0 }), 'schemaVersion');
  assert.match(reasonOf('PostDeleted', validData.PostDeleted, null), /^bad metadata on PostDeleted/);
});

test('a friendship has one stream whoever of the two acts', () => {
  assert.is(friendshipStream(alice, bob), friendshipStream(bob, alice));
  assert.is(friendshipStream(alice, bob), `friendship-${alice}_${bob}`);
  assert.is.not(friendshipStream(alice, bob), friendshipStream(alice, post));
});

test('user and post streams carry their prefix and id', () => {
  assert.is(userStream(alice), `${streamPrefixes.user}${alice}`);
  assert.is(postStream(post), `post-${post}`);
  assert.ok(friendshipStream(alice, bob).startsWith(streamPrefixes.friendship));
});

test('a post notification carries the AsyncAPI payload and its recipients', () => {
  const message = { eventId: 'e1', position: '0000000000000001', payload: { postId: post, postText: 'hello', author_user_id: alice }, recipients: [bob], part: 0, parts: 1 };
  assert.equal(postNotificationSchema.parse({ ...message, kind: 'post.created' }), { ...message, kind: 'post.created' });
  assert.equal(postNotificationSchema.parse(message), { ...message, kind: 'post.created' }, 'a message from a relay older than kinds is a new post');
  assert.not.ok(postNotificationSchema.safeParse({ ...message, payload: { postId: post } }).success);
  assert.not.ok(postNotificationSchema.safeParse({ ...message, recipients: undefined }).success);
  assert.is(notificationMessageId('e1', 2), 'e1:2');
});

test("a friend's edit and delete travel as kinds of the same message, and become typed frames no post client takes for a post", () => {
  const delivery = { eventId: 'e2', position: '0000000000000002-0000000000000001', recipients: [bob], part: 0, parts: 1 };
  const updated = postNotificationSchema.parse({ ...delivery, kind: 'post.updated', payload: { postId: post, postText: 'edited', author_user_id: alice } });
  const deleted = postNotificationSchema.parse({ ...delivery, kind: 'post.deleted', payload: { postId: post, author_user_id: alice } });
  assert.equal(pushedFrame(updated), { type: 'post.updated', postId: post, postText: 'edited', author_user_id: alice, cursor: delivery.position });
  assert.equal(pushedFrame(deleted), { type: 'post.deleted', postId: post, author_user_id: alice, cursor: delivery.position });
  assert.not.ok(postNotificationSchema.safeParse({ ...delivery, kind: 'post.updated', payload: { postId: post, author_user_id: alice } }).success, 'an edit carries its text');
  assert.not.ok(postNotificationSchema.safeParse({ ...delivery, kind: 'post.liked', payload: { postId: post, author_user_id: alice } }).success);
  for (const frame of [pushedFrame(updated), pushedFrame(deleted)]) {
    assert.ok(pushedChangeSchema.safeParse(frame).success);
    assert.not.ok(isPostFrame(JSON.stringify(frame)));
  }
  const created = postNotificationSchema.parse({ ...delivery, payload: { postId: post, postText: 'new', author_user_id: alice } });
  assert.ok(isPostFrame(JSON.stringify(pushedFrame(created))));
});

test.run();
