import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Redis } from 'ioredis';
import { WebSocket } from 'ws';
import { historyKeys } from '@herald/contracts';
import { eventually, startTcpProxy, uniqueName, type TcpProxy } from '@herald/kit/testing';
import { type FeedClient, postsReceived } from './testing/feed-client.js';
import { openDevice, startIdentities, type Identities, type User } from './testing/identities.js';
import { metricValue, spawnNotifier, spawnProjector, type HeraldProcess } from './testing/notifiers.js';

// The notifier reaches RabbitMQ and Redis through proxies the test can cut or slow; the
// projector (its outbox relay writes the history, then publishes) reaches both directly.
const exchange = uniqueName('herald.feed');
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
let ids: Identities;
let projector: HeraldProcess;
let notifier: HeraldProcess;
let brokerLine: TcpProxy;
let redisLine: TcpProxy;
let redis: Redis;
const clients: FeedClient[] = [];

const device = (user: User) => openDevice(ids, notifier.url, user, clients);

const received = (client: FeedClient, count: number, what: string) => postsReceived(client, count, what, 60_000);

const catchUps = (outcome: string) => metricValue(notifier.port, 'notifier_resumes_total', `outcome="${outcome}"`);
/** Reads of the history that failed: those tried again, and those given up. */
const failedReads = async () => (await catchUps('retried')) + (await catchUps('history_unavailable'));

test.before(async () => {
  ids = await startIdentities('notifier_catch_up');
  brokerLine = await startTcpProxy(process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672', 5672);
  redisLine = await startTcpProxy(redisUrl, 6379);
  redis = new Redis(redisUrl);
  projector = await spawnProjector({ DATABASE_URL: ids.databaseUrl, FEED_EXCHANGE: exchange, REDIS_KEY_PREFIX: ids.redisKeyPrefix });
  notifier = await spawnNotifier({
    AUTH_GRPC_ADDRESS: ids.authAddress, FEED_EXCHANGE: exchange, REDIS_KEY_PREFIX: ids.redisKeyPrefix,
    RABBITMQ_URL: brokerLine.url(), REDIS_URL: redisLine.url(), RABBITMQ_RECONNECT_MIN_MS: '100', RABBITMQ_RECONNECT_MAX_MS: '500',
  });
});

test.after(async () => {
  for (const c of clients) c.ws.terminate();
  await notifier?.stop();
  await projector?.stop();
  await brokerLine?.close();
  await redisLine?.close();
  redis?.disconnect();
  await ids?.stop();
});

test('a new queue while the notification history cannot be read: the sockets are caught up once it can, nothing lost, nothing twice (the broker restart that lost posts under load)', async () => {
  const [xena, yuri] = [await ids.register('Xena'), await ids.register('Yuri')];
  await ids.request('PUT', `/friend/set/${xena.id}`, yuri.token);
  const devices = [await device(xena), await device(xena)];
  await ids.request('POST', '/post/create', yuri.token, { text: 'before' });
  for (const d of devices) await received(d, 1, 'the first post');

  // The notifier stops hearing its queue; the post goes into it, and into the history.
  brokerLine.muteServer();
  await ids.request('POST', '/post/create', yuri.token, { text: 'while the queue is lost' });
  await eventually(async () => ((await redis.lrange(historyKeys(ids.redisKeyPrefix).user(xena.id), 0, 0))[0]?.includes('while the queue is lost') ? true : undefined),
    'the relay to write the post to the history');
  // Redis answers the notifier slower than its command timeout: every history read fails.
  redisLine.delayClientBytes(5_000);
  const failedBefore = await failedReads();
  // The connection is cut: the queue and the post in it are gone, a new queue is declared and bound.
  await brokerLine.lose(0);
  await eventually(async () => ((await failedReads()) > failedBefore ? true : undefined), 'the catch-up after the new queue to fail on the history', 30_000);
  for (const d of devices) assert.is(d.messages.length, 1, 'nothing arrives while the history cannot be read');

  redisLine.delayClientBytes(0);
  await ids.request('POST', '/post/create', yuri.token, { text: 'after' });
  for (const d of devices) {
    assert.equal((await received(d, 3, 'the lost post from the history, then the next')).map((m) => m.postText), ['before', 'while the queue is lost', 'after']);
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
  for (const d of devices) assert.is(d.messages.length, 3, 'nothing twice');
  assert.ok(devices.every((d) => d.ws.readyState === WebSocket.OPEN), 'the sockets stayed open');
  assert.is(await catchUps('history_unavailable'), 0, 'no catch-up gave up');
  assert.ok((await catchUps('retried')) > 0, 'the failed reads were tried again');
});

test.run();
