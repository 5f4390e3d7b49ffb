import { createHashRing, shardOf } from '@herald/contracts';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { eventually, startRabbitNodes, uniqueName, type RabbitNodes } from '@herald/kit/testing';
import { connectFeed, type FeedClient } from './testing/feedClient.js';
import { startIdentities, type Identities, type User } from './testing/identities.js';
import { spawnNotifier, spawnProjector, type HeraldProcess } from './testing/notifiers.js';

// Stage 2 of docs/scaling.md on 3 real independent brokers started by
// infra/rabbitmq-nodes.sh: the relay publishes each post's recipients on their shard, two
// notifiers consume from every shard; with shard 2 stopped, the users of shards 1 and 3
// keep getting posts and shard 2's get theirs once it is back, none twice.
const exchange = uniqueName('herald.posts.shards');
const names = ['s1', 's2', 's3'];
const ring = createHashRing(names);
let nodes: RabbitNodes;
let ids: Identities;
let projector: HeraldProcess;
const notifiers: HeraldProcess[] = [];
const clients: FeedClient[] = [];

test.before(async () => {
  nodes = await startRabbitNodes('shards', 'shards');
  ids = await startIdentities('notifier_shards');
  const RABBITMQ_SHARDS = names.map((name, i) => `${name}=${nodes.url(i + 1)}`).join(';');
  const common = { FEED_EXCHANGE: exchange, REDIS_KEY_PREFIX: ids.redisKeyPrefix, RABBITMQ_SHARDS };
  projector = await spawnProjector({ ...common, DATABASE_URL: ids.databaseUrl });
  notifiers.push(...await Promise.all([1, 2].map(() => spawnNotifier({ ...common, AUTH_GRPC_ADDRESS: ids.authAddress }))));
});

test.after(async () => {
  for (const client of clients) client.ws.terminate();
  for (const process of [...notifiers, projector]) await process?.stop();
  await ids?.stop();
  await nodes?.down();
});

/** Registers users until each shard has one. */
async function readerOnEachShard(): Promise<Map<string, User>> {
  const readers = new Map<string, User>();
  for (let n = 0; readers.size < names.length; n += 1) {
    if (n > 60) throw new Error('no user landed on some shard in 60 tries');
    const user = await ids.register(`Reader${String(n)}`);
    const shard = shardOf(ring, user.id);
    if (!readers.has(shard)) readers.set(shard, user);
  }
  return readers;
}

const texts = (client: FeedClient) => client.messages.map((m) => m.postText);

function received(client: FeedClient, count: number, what: string, timeoutMs = 30_000) {
  return eventually(() => (client.messages.length >= count ? texts(client) : undefined), what, timeoutMs);
}

test('users on each shard get their posts; with shard 2 down the others keep getting theirs, and shard 2 users get theirs once it is back, none twice', async () => {
  const readers = await readerOnEachShard();
  const author = await ids.register('Author');
  const sockets = new Map<string, FeedClient[]>();
  for (const [index, shard] of names.entries()) {
    const reader = readers.get(shard)!;
    await ids.request('PUT', `/friend/set/${author.id}`, reader.token);
    // Each reader on both notifiers: every notifier consumes from every shard.
    const devices = await Promise.all(notifiers.map(async (notifier) => connectFeed(notifier.url, await ids.login(reader.id))));
    clients.push(...devices);
    sockets.set(shard, devices);
    assert.ok(index >= 0);
  }
  const all = [...sockets.values()].flat();
  const on = (shard: string) => sockets.get(shard) ?? [];

  await ids.request('POST', '/post/create', author.token, { text: 'one' });
  for (const client of all) assert.equal(await received(client, 1, 'the first post on every shard'), ['one']);

  await nodes.stop(2);
  await ids.request('POST', '/post/create', author.token, { text: 'two' });
  for (const client of [...on('s1'), ...on('s3')]) assert.equal(await received(client, 2, 'the second post on shards 1 and 3 while shard 2 is down'), ['one', 'two']);
  for (const client of on('s2')) assert.equal(texts(client), ['one'], 'shard 2 users wait for it');
  const readiness = (await (await fetch(`http://127.0.0.1:${String(notifiers[0]?.port)}/readyz`)).json()) as { status: string; checks: Record<string, string> };
  assert.is(readiness.status, 'degraded');
  assert.is(readiness.checks['rabbitmq s1'], 'ok');
  assert.match(readiness.checks['rabbitmq s2'] ?? '', /not connected/);
  const metrics = await (await fetch(`http://127.0.0.1:${String(projector.port)}/metrics`)).text();
  assert.match(metrics, /herald_outbox_connected\{shard="s2"[^}]*\} 0/);

  await nodes.start(2);
  for (const client of on('s2')) assert.equal(await received(client, 2, 'shard 2 users get the post once it is back', 60_000), ['one', 'two']);
  await ids.request('POST', '/post/create', author.token, { text: 'three' });
  for (const client of all) assert.equal(await received(client, 3, 'the third post on every shard'), ['one', 'two', 'three']);
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  for (const client of all) assert.equal(texts(client), ['one', 'two', 'three'], 'no post twice');
});

test.run();
