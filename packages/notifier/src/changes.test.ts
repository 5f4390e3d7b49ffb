import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { eventually, uniqueName } from '@herald/kit/testing';
import { connectFeed, refusedUpgrade, type FeedClient } from './testing/feed-client.js';
import { startIdentities, type Identities, type User } from './testing/identities.js';
import { spawnNotifier, spawnProjector, type HeraldProcess } from './testing/notifiers.js';

// Friends' edits and deletes, the whole way with real processes: command API -> projector
// (outbox rows of each kind, history in Redis) -> RabbitMQ -> notifiers -> ws clients.
// Only sockets that opted in (`changes=1`) get them; OTUS clients see new posts only.
const exchange = uniqueName('herald.posts');
let ids: Identities;
let projector: HeraldProcess;
let notifierA: HeraldProcess;
let notifierB: HeraldProcess;
let author: User;
let reader: User;
let stranger: User;
let strangersFriend: User;
const clients: FeedClient[] = [];

async function connect(notifier: HeraldProcess, user: User, options: { changes?: boolean; since?: string } = {}): Promise<FeedClient> {
  const client = await connectFeed(notifier.url, await ids.login(user.id), 'query', undefined, options);
  clients.push(client);
  return client;
}

/** Sends a command and answers the position of its event: the cursor its frame carries. */
async function command(by: User, method: string, path: string, body?: unknown): Promise<{ position: string; body: unknown }> {
  const answer = await ids.request(method, path, by.token, body);
  const position = answer.headers.get('x-herald-position');
  if (!position) throw new Error(`${method} ${path} answered no X-Herald-Position`);
  return { position, body: answer.body };
}

/** Waits for a client's frames to number at least `count`. */
function framesOf(client: FeedClient, count: number, what: string): Promise<unknown[]> {
  return eventually(() => (client.frames.length >= count ? client.frames : undefined), what, 30_000);
}

test.before(async () => {
  ids = await startIdentities('notifier_changes');
  const env = { FEED_EXCHANGE: exchange, REDIS_KEY_PREFIX: ids.redisKeyPrefix };
  projector = await spawnProjector({ ...env, DATABASE_URL: ids.databaseUrl });
  [notifierA, notifierB] = await Promise.all([spawnNotifier({ ...env, AUTH_GRPC_ADDRESS: ids.authAddress }), spawnNotifier({ ...env, AUTH_GRPC_ADDRESS: ids.authAddress })]);
  author = await ids.register('Author');
  reader = await ids.register('Reader');
  stranger = await ids.register('Stranger');
  strangersFriend = await ids.register('Pal');
  await ids.request('PUT', `/friend/set/${reader.id}`, author.token);
  await ids.request('PUT', `/friend/set/${strangersFriend.id}`, stranger.token);
});

test.after(async () => {
  for (const c of clients) c.ws.terminate();
  for (const p of [notifierA, notifierB, projector]) await p?.stop('SIGKILL');
  await ids?.stop();
});

test("a friend's edit and delete reach the reader's sockets that opted in, on any notifier; a plain socket gets the posts only; a stranger nothing", async () => {
  const optedA = await connect(notifierA, reader, { changes: true });
  const optedB = await connect(notifierB, reader, { changes: true });
  const plain = await connect(notifierA, reader);
  const strangerSocket = await connect(notifierB, stranger, { changes: true });
  const created = await command(author, 'POST', '/post/create', { text: 'first words' });
  const postId = created.body as string;
  const updated = await command(author, 'PUT', '/post/update', { id: postId, text: 'better words' });
  const deleted = await command(author, 'PUT', `/post/delete/${postId}`);
  const after = await command(author, 'POST', '/post/create', { text: 'after the delete' });
  await command(strangersFriend, 'POST', '/post/create', { text: "the stranger's own friend's post" });

  for (const socket of [optedA, optedB]) {
    assert.equal(await framesOf(socket, 4, 'the post, its edit, its delete and the next post'), [
      { postId, postText: 'first words', author_user_id: author.id, cursor: created.position },
      { type: 'post.updated', postId, postText: 'better words', author_user_id: author.id, cursor: updated.position },
      { type: 'post.deleted', postId, author_user_id: author.id, cursor: deleted.position },
      { postId: after.body, postText: 'after the delete', author_user_id: author.id, cursor: after.position },
    ]);
  }
  // Queues keep order: once the later post is there, the edit and delete were handled too.
  assert.equal((await framesOf(plain, 2, 'both posts')).map((f) => (f as { cursor: string }).cursor), [created.position, after.position],
    'a socket that did not opt in sees exactly what an OTUS client expects: new posts');
  assert.equal(plain.changes, []);
  assert.equal((await framesOf(strangerSocket, 1, "the stranger's friend's post")).map((f) => (f as { postText: string }).postText),
    ["the stranger's own friend's post"], 'a stranger, opted in, gets nothing of the author');
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.is(plain.frames.length, 2, 'nothing more arrives');
  assert.is(strangerSocket.frames.length, 1, 'nothing more arrives');
});

test('resuming: an opted-in socket gets the edits and deletes it missed from history, in log order; a plain one only the posts', async () => {
  const first = await connect(notifierA, reader, { changes: true });
  const created = await command(author, 'POST', '/post/create', { text: 'before the drop' });
  await framesOf(first, 1, 'the post before the drop');
  await first.close();
  const postId = created.body as string;
  const updated = await command(author, 'PUT', '/post/update', { id: postId, text: 'edited while away' });
  const next = await command(author, 'POST', '/post/create', { text: 'posted while away' });
  const deleted = await command(author, 'PUT', `/post/delete/${postId}`);
  const opted = await connect(notifierB, reader, { changes: true, since: created.position });
  const plain = await connect(notifierA, reader, { since: created.position });
  assert.equal((await framesOf(opted, 3, 'what was missed')).map((f) => [(f as { type?: string }).type ?? 'post', (f as { cursor: string }).cursor]), [
    ['post.updated', updated.position], ['post', next.position], ['post.deleted', deleted.position],
  ]);
  assert.equal((await framesOf(plain, 1, 'the missed post')).map((f) => (f as { cursor: string }).cursor), [next.position]);
  const live = await command(author, 'PUT', '/post/update', { id: next.body, text: 'edited live' });
  assert.equal((await framesOf(opted, 4, 'the live edit')).map((f) => (f as { cursor: string }).cursor).at(-1), live.position);
  const sentinel = await command(author, 'POST', '/post/create', { text: 'sentinel' });
  assert.equal((await framesOf(plain, 2, 'the sentinel post')).map((f) => (f as { cursor: string }).cursor), [next.position, sentinel.position],
    'no edit, live or from history, reaches a plain socket');
});

test('a changes value that is neither 1, true, 0 nor false is refused with 400 and says what it accepts', async () => {
  const token = await ids.login(reader.id);
  const refused = await refusedUpgrade(notifierA.url, token, 'query', '/post/feed/posted?changes=please');
  assert.is(refused.status, 400);
  assert.is(refused.body.code, 'bad_changes');
  assert.match(refused.body.message ?? '', 'changes must be 1 or true');
  const explicit = await connectFeed(notifierA.url, token, 'query', '/post/feed/posted?changes=0');
  clients.push(explicit);
  const created = await command(author, 'POST', '/post/create', { text: 'for changes=0' });
  await command(author, 'PUT', '/post/update', { id: created.body, text: 'edited, for changes=0' });
  const sentinel = await command(author, 'POST', '/post/create', { text: 'after, for changes=0' });
  assert.equal((await framesOf(explicit, 2, 'both posts')).map((f) => (f as { cursor: string }).cursor), [created.position, sentinel.position],
    'changes=0 is the same as no opt-in');
});

test.run();
