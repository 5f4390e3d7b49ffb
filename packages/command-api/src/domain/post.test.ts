import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CommandRefused } from './refusals.js';
import type { PostCreated, PostDeleted, PostUpdated } from '@herald/contracts';
import type { CreatePost, DeletePost, UpdatePost } from './post.js';
import { postDecider } from './post.js';
import { specFor } from './testing.js';

const spec = specFor(postDecider);
const now = new Date('2026-03-01T10:00:00.000Z');
const postId = '01890a5d-ac96-774b-bcce-b302099a8001';
const ann = '01890a5d-ac96-774b-bcce-b302099a8057';
const bob = '01890a5d-ac96-774b-bcce-b302099a8058';
const metadata = { schemaVersion: 1, occurredAt: now.toISOString() };

const create: CreatePost = { type: 'CreatePost', data: { postId, authorId: ann, text: 'hello' }, metadata: { now } };
const update = (userId: string, text: string): UpdatePost => ({ type: 'UpdatePost', data: { postId, userId, text }, metadata: { now } });
const remove = (userId: string): DeletePost => ({ type: 'DeletePost', data: { postId, userId }, metadata: { now } });

const created: PostCreated = { type: 'PostCreated', data: { postId, authorId: ann, text: 'hello' }, metadata };
const updated = (text: string): PostUpdated => ({ type: 'PostUpdated', data: { postId, authorId: ann, text }, metadata });
const deleted: PostDeleted = { type: 'PostDeleted', data: { postId, authorId: ann }, metadata };

test('a post is created by its author', () => {
  spec([]).when(create).then([created]);
});

test('the author updates the text', () => {
  spec([created]).when(update(ann, 'hello again')).then([updated('hello again')]);
});

test('an update to the same text appends nothing', () => {
  spec([created, updated('v2')]).when(update(ann, 'v2')).then([]);
});

test('only the author may update or delete (403)', () => {
  spec([created]).when(update(bob, 'mine now')).thenRefuses('not_post_author');
  spec([created]).when(remove(bob)).thenRefuses('not_post_author');
});

test('the author deletes the post', () => {
  spec([created, updated('v2')]).when(remove(ann)).then([deleted]);
});

test('an unknown or deleted post is not found (404), whoever asks', () => {
  spec([]).when(update(ann, 'x')).thenRefuses('post_not_found');
  spec([]).when(remove(ann)).thenRefuses('post_not_found');
  spec([created, deleted]).when(update(ann, 'x')).thenRefuses('post_not_found');
  spec([created, deleted]).when(remove(bob)).thenRefuses('post_not_found');
});

test('creating over an existing post is a broken id source (an Error), not a refusal', () => {
  const existing = postDecider.evolve(postDecider.initialState, created);
  assert.throws(
    () => postDecider.decide(create, existing),
    (error: unknown) => error instanceof Error && !(error instanceof CommandRefused),
  );
});

test.run();
