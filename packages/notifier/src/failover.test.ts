import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { eventually, startRabbitNodes, uniqueName, type RabbitNodes } from '@herald/kit/testing';
import { connectFeed, type FeedClient } from './testing/feed-client.js';
import { startIdentities, type Identities, type User } from './testing/identities.js';
import { spawnNotifier, spawnProjector, type HeraldProcess } from './testing/notifiers.js';

// Stage 1 of docs/scaling.md on a real 3-node cluster started by infra/rabbitmq-nodes.sh:
// the relay and a notifier each hold one node; the notifier's node is killed. It moves to
// another node, declares its queue there and binds it again, its sockets stay open, and
// the posts made meanwhile and after reach them, once each.
const exchange = uniqueName('herald.posts.failover');
let nodes: RabbitNodes;
let ids: Identities;
let projector: HeraldProcess;
let notifier: HeraldProcess;
const clients: FeedClient[] = [];

test.before(async () => {
  nodes = await startRabbitNodes('cluster', 'failover');
  ids = await startIdentities('notifier_failover');
  const common = { FEED_EXCHANGE: exchange, REDIS_KEY_PREFIX: ids.redisKeyPrefix };
  // The relay on node 1, the notifier on node 2 (each takes the first node of its list that answers).
  projector = await spawnProjector({ ...common, DATABASE_URL: ids.databaseUrl, RABBITMQ_URLS: nodes.urls.join(',') });
  notifier = await spawnNotifier({ ...common, AUTH_GRPC_ADDRESS: ids.authAddress, RABBITMQ_URLS: [nodes.url(2), nodes.url(3), nodes.url(1)].join(',') });
});

test.after(async () => {
  for (const client of clients) client.ws.terminate();
  await notifier?.stop();
  await projector?.stop();
  await ids?.stop();
  await nodes?.down();
});

/** The names of the client connections node i holds. */
async function connectionsOn(i: number): Promise<string[]> {
  const response = await fetch(`http://127.0.0.1:${String(nodes.managementPort(i))}/api/connections`, { headers: { authorization: `Basic ${Buffer.from('guest:guest').toString('base64')}` } });
  const rows = (await response.json()) as Array<{ client_properties?: { connection_name?: string } }>;
  return rows.map((row) => row.client_properties?.connection_name ?? '');
}

async function post(author: User, text: string): Promise<void> {
  await ids.request('POST', '/post/create', author.token, { text });
}

test('killing the node a notifier consumes from: it moves to another node, its sockets stay open, and every post reaches them once', async () => {
  const reader = await ids.register('Reader');
  const author = await ids.register('Author');
  await ids.request('PUT', `/friend/set/${author.id}`, reader.token);
  // One client resumes from a cursor, one has none: after a failover both catch up from the history.
  const plain = await connectFeed(notifier.url, reader.token);
  clients.push(plain);
  await post(author, 'before');
  await eventually(() => (plain.messages.length === 1 ? true : undefined), 'the first post, live', 30_000);
  const resuming = await connectFeed(notifier.url, await ids.login(reader.id), 'bearer', '/post/feed/posted', { since: plain.messages[0]?.cursor ?? '' });
  clients.push(resuming);
  const notifierConnection = `herald-notifier pid ${String(notifier.child.pid)}`;
  await eventually(async () => ((await connectionsOn(2)).includes(notifierConnection) ? true : undefined), 'the notifier on node 2', 15_000);

  await nodes.stop(2);
  // Made while the notifier has no queue: the relay (on node 1) publishes it to a cluster where nothing is bound.
  await post(author, 'during');
  await eventually(async () => ((await connectionsOn(3)).includes(notifierConnection) ? true : undefined), 'the notifier moved to node 3', 60_000);
  await post(author, 'after');

  // The resuming socket started after 'before'.
  for (const [client, expected] of [[plain, ['before', 'during', 'after']], [resuming, ['during', 'after']]] as const) {
    const texts = await eventually(() => (client.messages.length >= expected.length ? client.messages.map((m) => m.postText) : undefined), 'every post on each socket', 30_000)
      .catch((error: unknown) => {
        const warnings = [...notifier.logs, ...projector.logs].filter((l) => Number(l.level) >= 40 || String(l.msg).includes('RabbitMQ'));
        throw new Error(`${String(error)}; got ${JSON.stringify(client.frames)}; logs: ${JSON.stringify(warnings.slice(-15))}`);
      });
    assert.equal(texts, [...expected]);
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
  for (const [client, count] of [[plain, 3], [resuming, 2]] as const) {
    assert.is(client.messages.length, count, 'no post twice');
    assert.is(client.ws.readyState, client.ws.OPEN, 'the socket stayed open');
  }
  const ready = await fetch(`http://127.0.0.1:${String(notifier.port)}/readyz`);
  assert.is(ready.status, 200);
});

test.run();
