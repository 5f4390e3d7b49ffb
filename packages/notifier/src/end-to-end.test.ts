import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { eventually, uniqueName } from '@herald/kit/testing';
import { type FeedClient, postsReceived } from './testing/feed-client.js';
import { openDevice, startIdentities, type Identities, type User } from './testing/identities.js';
import { spawnNotifier, spawnProjector, type HeraldProcess } from './testing/notifiers.js';
import { bindingsFrom } from './testing/rabbit.js';

// The whole way, with real processes: HTTP post create on the command API -> event store
// -> projector (feeds + outbox) -> RabbitMQ -> two notifier child processes -> ws clients.
const exchange = uniqueName('herald.feed');
let ids: Identities;
let projector: HeraldProcess;
let notifierA: HeraldProcess;
let notifierB: HeraldProcess;
const clients: FeedClient[] = [];
let reader: User;
let friend1: User;
let friend2: User;
let stranger: User;
let strangersFriend: User;

const device = (notifier: HeraldProcess, user: User) => openDevice(ids, notifier.url, user, clients);

async function post(author: User, text: string): Promise<string> {
  return (await ids.request('POST', '/post/create', author.token, { text })).body as string;
}

async function befriend(a: User, b: User): Promise<void> {
  await ids.request('PUT', `/friend/set/${b.id}`, a.token);
}

const received = (client: FeedClient, count: number, what: string) => postsReceived(client, count, what, 30_000);

test.before(async () => {
  ids = await startIdentities('notifier_e2e');
  projector = await spawnProjector({ DATABASE_URL: ids.databaseUrl, FEED_EXCHANGE: exchange, REDIS_KEY_PREFIX: ids.redisKeyPrefix });
  const env = { AUTH_GRPC_ADDRESS: ids.authAddress, FEED_EXCHANGE: exchange, REDIS_KEY_PREFIX: ids.redisKeyPrefix };
  [notifierA, notifierB] = await Promise.all([spawnNotifier(env), spawnNotifier(env)]);
  reader = await ids.register('Reader');
  friend1 = await ids.register('Friend');
  friend2 = await ids.register('Other');
  stranger = await ids.register('Stranger');
  strangersFriend = await ids.register('Pal');
  await befriend(reader, friend1);
  await befriend(friend2, reader); // friendship is symmetric, whoever asks
  await befriend(stranger, strangersFriend);
});

test.after(async () => {
  for (const c of clients) c.ws.terminate();
  for (const p of [notifierA, notifierB, projector]) await p?.stop();
  await ids?.stop();
});

test("two devices on process A and one on process B get every friend's post", async () => {
  const devices = [await device(notifierA, reader), await device(notifierA, reader), await device(notifierB, reader)];
  const first = await post(friend1, 'first, from friend 1');
  const second = await post(friend2, 'second, from friend 2');
  for (const d of devices) {
    const messages = await received(d, 2, 'both posts on every device');
    const [a, b] = messages.map((m) => m.cursor);
    assert.ok(a !== undefined && b !== undefined && a < b, 'each post carries its cursor, in log order');
    assert.equal(messages.map(({ cursor: _cursor, ...otus }) => otus), [
      { postId: first, postText: 'first, from friend 1', author_user_id: friend1.id },
      { postId: second, postText: 'second, from friend 2', author_user_id: friend2.id },
    ]);
  }
});

test('a non-friend gets nothing, and after an unfriend nothing more arrives', async () => {
  const readerDevice = await device(notifierB, reader);
  const strangerDevice = await device(notifierA, stranger);
  await ids.request('PUT', `/friend/delete/${friend2.id}`, reader.token);
  await post(friend2, 'after the unfriend');
  await post(friend1, 'from the remaining friend');
  await post(strangersFriend, "for the stranger's own friend list");
  // The outbox and each queue keep order: once the last posts arrive, the earlier ones were handled.
  assert.equal((await received(readerDevice, 1, "friend 1's post")).map((m) => m.postText), ['from the remaining friend']);
  assert.equal((await received(strangerDevice, 1, "the stranger's friend's post")).map((m) => m.postText), ["for the stranger's own friend list"]);
});

test("once a process's last socket closes, that process's binding is gone and the other's stays", async () => {
  const queuesOf = async () => (await bindingsFrom(exchange)).map((b) => b.queue);
  assert.is((await queuesOf()).length, 2, 'bound on both processes');
  for (const c of clients.filter((c) => c.ws.url.includes(`:${notifierB.port}/`))) await c.close();
  await eventually(async () => ((await queuesOf()).length === 1 ? true : undefined), 'the binding of process B to go');
});

test.run();
