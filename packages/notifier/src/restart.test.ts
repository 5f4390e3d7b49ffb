import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { WebSocket } from 'ws';
import { eventually, uniqueName } from '@herald/kit/testing';
import { type FeedClient, postsReceived } from './testing/feed-client.js';
import { openDevice, startIdentities, type Identities, type User } from './testing/identities.js';
import { spawnNotifier, spawnProjector, type HeraldProcess } from './testing/notifiers.js';
import { bindingsFrom, rabbitmqctl } from './testing/rabbit.js';

// Stops and starts the shared local broker: other test files talking to RabbitMQ at the
// same moment see a short outage (which they must survive anyway). The outage is kept short.
// Posts go the whole way: command API -> projector's outbox relay -> RabbitMQ -> notifier.
const exchange = uniqueName('herald.feed');
let ids: Identities;
let projector: HeraldProcess;
let notifier: HeraldProcess;
const clients: FeedClient[] = [];

const device = (user: User) => openDevice(ids, notifier.url, user, clients);

const received = (client: FeedClient, count: number, what: string) => postsReceived(client, count, what, 60_000);

test.before(async () => {
  ids = await startIdentities('notifier_restart');
  projector = await spawnProjector({ DATABASE_URL: ids.databaseUrl, FEED_EXCHANGE: exchange, REDIS_KEY_PREFIX: ids.redisKeyPrefix });
  notifier = await spawnNotifier({ AUTH_GRPC_ADDRESS: ids.authAddress, FEED_EXCHANGE: exchange, REDIS_KEY_PREFIX: ids.redisKeyPrefix, RABBITMQ_RECONNECT_MIN_MS: '100', RABBITMQ_RECONNECT_MAX_MS: '1000' });
});

test.after(async () => {
  for (const c of clients) c.ws.terminate();
  await notifier?.stop();
  await projector?.stop();
  await ids?.stop();
});

test('a RabbitMQ restart with sockets open: the posts made during and after it reach them, once each, in order (issue 12)', async () => {
  const [uma, victor, walt] = [await ids.register('Uma'), await ids.register('Victor'), await ids.register('Walt')];
  await ids.request('PUT', `/friend/set/${uma.id}`, walt.token);
  await ids.request('PUT', `/friend/set/${victor.id}`, walt.token);
  const devices = [await device(uma), await device(uma), await device(victor)];
  await ids.request('POST', '/post/create', walt.token, { text: 'before the restart' });
  for (const d of devices) await received(d, 1, 'the post before the restart');

  const [queueBefore] = (await bindingsFrom(exchange)).map((b) => b.queue);
  try {
    rabbitmqctl('stop_app');
    await eventually(async () => ((await fetch(`http://127.0.0.1:${notifier.port}/readyz`)).status === 503 ? true : undefined), 'the notifier to see the broker gone');
    // Its queue is gone with the broker: whatever is published before it binds a new one comes from the history.
    await ids.request('POST', '/post/create', walt.token, { text: 'during the outage' });
  } finally {
    rabbitmqctl('start_app');
  }
  rabbitmqctl('await_startup');
  await eventually(async () => {
    const queues = (await bindingsFrom(exchange)).map((b) => b.queue);
    return queues.length === 1 && queues[0] !== queueBefore ? true : undefined;
  }, 'the notifier to declare a new queue and bind it', 30_000);

  await ids.request('POST', '/post/create', walt.token, { text: 'after the restart' });
  for (const d of devices) {
    assert.equal((await received(d, 3, 'the posts during and after the restart')).map((m) => m.postText), ['before the restart', 'during the outage', 'after the restart']);
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
  for (const d of devices) assert.is(d.messages.length, 3, 'nothing twice');
  assert.ok(devices.every((d) => d.ws.readyState === WebSocket.OPEN), 'no socket was closed by the outage');
});

test.run();
