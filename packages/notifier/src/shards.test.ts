import { createHashRing, shardOf } from '@herald/contracts';
import amqp from 'amqplib';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { eventually, startRabbitNodes, uniqueName, type RabbitNodes } from '@herald/kit/testing';
import { connectFeed, type FeedClient } from './testing/feed-client.js';
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

/** The projector and two notifiers on the first `count` shards. */
async function startProcesses(count: number): Promise<void> {
  const RABBITMQ_SHARDS = names.slice(0, count).map((name, i) => `${name}=${nodes.url(i + 1)}`).join(';');
  const common = { FEED_EXCHANGE: exchange, REDIS_KEY_PREFIX: ids.redisKeyPrefix, RABBITMQ_SHARDS };
  projector = await spawnProjector({ ...common, DATABASE_URL: ids.databaseUrl });
  notifiers.push(...await Promise.all([1, 2].map(() => spawnNotifier({ ...common, AUTH_GRPC_ADDRESS: ids.authAddress }))));
}

async function stopProcesses(): Promise<void> {
  for (const process of notifiers.splice(0)) await process.stop();
  await projector.stop();
}

test.before(async () => {
  nodes = await startRabbitNodes('shards', 'shards');
  ids = await startIdentities('notifier_shards');
  await startProcesses(names.length);
});

test.after(async () => {
  for (const client of clients) client.ws.terminate();
  for (const process of [...notifiers, projector]) await process?.stop();
  await ids?.stop();
  await nodes?.down();
});

/** Registers users until each shard has one. */
async function readerOnEachShard(label = 'Reader'): Promise<Map<string, User>> {
  const readers = new Map<string, User>();
  for (let n = 0; readers.size < names.length; n += 1) {
    if (n > 60) throw new Error('no user landed on some shard in 60 tries');
    const user = await ids.register(`${label}${String(n)}`);
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

test('restarted with a shard fewer while that shard held posts back: its users get them through the shards they move to, and nobody gets one twice', async () => {
  const readers = await readerOnEachShard('Mover');
  const author = await ids.register('Writer');
  for (const reader of readers.values()) await ids.request('PUT', `/friend/set/${author.id}`, reader.token);
  const first = new Map<string, FeedClient>();
  for (const [shard, reader] of readers) first.set(shard, await connectFeed(notifiers[0]!.url, await ids.login(reader.id)));
  clients.push(...first.values());
  await ids.request('POST', '/post/create', author.token, { text: 'four' });
  for (const client of first.values()) assert.equal(await received(client, 1, 'the post on every shard'), ['four']);

  await nodes.stop(3);
  await ids.request('POST', '/post/create', author.token, { text: 'five' });
  for (const shard of ['s1', 's2']) assert.equal(await received(first.get(shard)!, 2, 'the post on shards 1 and 2'), ['four', 'five']);
  assert.equal(texts(first.get('s3')!), ['four'], 'held back with shard 3');

  // Shard 3 is dropped from the list: its users now hash to shards 1 and 2.
  await stopProcesses();
  await startProcesses(2);
  const resumed = new Map<string, FeedClient>();
  for (const [shard, reader] of readers) {
    const since = first.get(shard)!.messages.at(-1)!.cursor;
    resumed.set(shard, await connectFeed(notifiers[1]!.url, await ids.login(reader.id), 'bearer', '/post/feed/posted', { since }));
  }
  clients.push(...resumed.values());
  assert.equal(await received(resumed.get('s3')!, 1, 'what shard 3 held, through its new shard', 60_000), ['five']);
  await ids.request('POST', '/post/create', author.token, { text: 'six' });
  assert.equal(await received(resumed.get('s3')!, 2, 'the next post'), ['five', 'six']);
  for (const shard of ['s1', 's2']) assert.equal(await received(resumed.get(shard)!, 1, 'the next post'), ['six']);
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  assert.equal(texts(resumed.get('s3')!), ['five', 'six'], 'no post twice');
  for (const shard of ['s1', 's2']) assert.equal(texts(resumed.get(shard)!), ['six'], 'what a shard relayed under the old list is not sent again');
});

test('a post one shard keeps refusing is parked for that shard only, counted, and the posts behind it flow on both shards, none twice', async () => {
  // The processes run on shards 1 and 2 since the test before.
  const twoShards = createHashRing(names.slice(0, 2));
  const readers = new Map<string, User>();
  for (let n = 0; readers.size < 2; n += 1) {
    if (n > 60) throw new Error('no user landed on some shard in 60 tries');
    const user = await ids.register(`Parked${String(n)}`);
    const shard = shardOf(twoShards, user.id);
    if (!readers.has(shard)) readers.set(shard, user);
  }
  const author = await ids.register('Verbose');
  const sockets = new Map<string, FeedClient>();
  for (const [shard, reader] of readers) {
    await ids.request('PUT', `/friend/set/${author.id}`, reader.token);
    sockets.set(shard, await connectFeed(notifiers[0]!.url, await ids.login(reader.id)));
  }
  clients.push(...sockets.values());
  // Shard 2's broker refuses (basic.nack) any message over 3,000 bytes: a queue of its own on the exchange, drained as it fills.
  const connection = await amqp.connect(nodes.url(2));
  try {
    const channel = await connection.createChannel();
    const { queue } = await channel.assertQueue('', { exclusive: true, arguments: { 'x-max-length-bytes': 3000, 'x-overflow': 'reject-publish' } });
    await channel.bindQueue(queue, exchange, '');
    await channel.consume(queue, () => undefined, { noAck: true });
    const long = 'x'.repeat(5000);
    await ids.request('POST', '/post/create', author.token, { text: long });
    assert.equal(await received(sockets.get('s1')!, 1, 'the long post on shard 1'), [long]);
    const metricsUrl = `http://127.0.0.1:${String(projector.port)}/metrics`;
    await eventually(async () => (/herald_outbox_parked_total(\{[^}]*\})? 1\b/.test(await (await fetch(metricsUrl)).text()) ? true : undefined), 'shard 2\'s part parked');
    await ids.request('POST', '/post/create', author.token, { text: 'short' });
    // A nack from one queue does not unroute the others: shard 2's notifier queue took each of the 3 attempts, and its reader sees one.
    assert.equal(await received(sockets.get('s2')!, 2, 'the next post on shard 2'), [long, 'short']);
    assert.equal(await received(sockets.get('s1')!, 2, 'the next post on shard 1'), [long, 'short']);
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (const socket of sockets.values()) assert.equal(texts(socket), [long, 'short'], 'none twice');
  } finally {
    await connection.close();
  }
});

test.run();
