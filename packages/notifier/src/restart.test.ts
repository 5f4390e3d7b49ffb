import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { WebSocket } from 'ws';
import { userRoutingKey } from '@herald/contracts';
import { eventually, uniqueName } from '@herald/kit/testing';
import { startIdentities, type Identities, type User } from './testing/identities.js';
import { connectFeed, type FeedClient } from './testing/feedClient.js';
import { spawnNotifier, type NotifierProcess } from './testing/notifiers.js';
import { bindingsFrom, createTestPublisher, notification, rabbitmqctl, type TestPublisher } from './testing/rabbit.js';

// Stops and starts the shared local broker: other test files talking to RabbitMQ at the
// same moment see a short outage (which they must survive anyway). The outage is kept short.
const exchange = uniqueName('herald.feed');
let ids: Identities;
const users = new Map<string, User>();
let notifier: NotifierProcess;
const publishers: TestPublisher[] = [];
const clients: FeedClient[] = [];

/** A registered user by first name (registered on first use). */
async function userNamed(name: string): Promise<User> {
  let user = users.get(name);
  if (!user) {
    user = await ids.register(name);
    users.set(name, user);
  }
  return user;
}

async function idOf(name: string): Promise<string> {
  return (await userNamed(name)).id;
}

async function keyOf(name: string): Promise<string> {
  return userRoutingKey(await idOf(name));
}

async function connect(name: string): Promise<FeedClient> {
  const user = await userNamed(name);
  const client = await connectFeed(notifier.url, user.token);
  clients.push(client);
  return client;
}

function received(client: FeedClient, count: number, what: string) {
  return eventually(() => (client.messages.length >= count ? client.messages : undefined), what, 30_000);
}

test.before(async () => {
  ids = await startIdentities('notifier_restart');
  notifier = await spawnNotifier({ AUTH_GRPC_ADDRESS: ids.authAddress, FEED_EXCHANGE: exchange, RABBITMQ_RECONNECT_MIN_MS: '100', RABBITMQ_RECONNECT_MAX_MS: '1000' });
});

test.after(async () => {
  for (const c of clients) c.ws.terminate();
  await notifier?.stop();
  await publishers.at(-1)?.deleteExchange().catch(() => undefined);
  for (const p of publishers) await p.close().catch(() => undefined);
  await ids?.stop();
});

test('after a RabbitMQ restart, posts made after it still reach the sockets that stayed open', async () => {
  const devices = [await connect('uma'), await connect('uma'), await connect('victor')];
  const before = await createTestPublisher(exchange);
  publishers.push(before);
  await before.publish(await idOf('uma'), notification('walt', 'before the restart'));
  await received(devices[0]!, 1, 'the post before the restart');

  try {
    rabbitmqctl('stop_app');
    await eventually(async () => ((await fetch(`http://127.0.0.1:${notifier.port}/readyz`)).status === 503 ? true : undefined), 'the notifier to see the broker gone');
  } finally {
    rabbitmqctl('start_app');
  }
  rabbitmqctl('await_startup');
  const expected = [await keyOf('uma'), await keyOf('victor')].sort().join();
  await eventually(async () => {
    const keys = (await bindingsFrom(exchange)).map((b) => b.routingKey).sort();
    return keys.join() === expected ? true : undefined;
  }, 'the notifier to declare a new queue and rebind both users', 30_000);

  const after = await createTestPublisher(exchange);
  publishers.push(after);
  await after.publish(await idOf('uma'), notification('walt', 'after the restart'));
  await after.publish(await idOf('victor'), notification('walt', 'after the restart'));
  assert.equal((await received(devices[0]!, 2, 'phone')).map((m) => m.postText), ['before the restart', 'after the restart']);
  assert.equal((await received(devices[1]!, 2, 'laptop')).map((m) => m.postText), ['before the restart', 'after the restart']);
  assert.equal((await received(devices[2]!, 1, 'victor')).map((m) => m.postText), ['after the restart']);
  assert.ok(devices.every((d) => d.ws.readyState === WebSocket.OPEN), 'no socket was closed by the outage');
});

test.run();
