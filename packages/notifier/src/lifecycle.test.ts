import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { WebSocket } from 'ws';
import { eventually, uniqueName } from '@herald/kit/testing';
import { closeCodes, heartbeatTimeoutCloseCode } from './codes.js';
import { startNotifier } from './server.js';
import { heartbeatSlices } from './transport.js';
import { startIdentities, type Identities } from './testing/identities.js';
import { connectFeed, type FeedClient, postsReceived } from './testing/feed-client.js';
import { metricValue, notifierConfig, spawnNotifier, testLogger, type NotifierProcess } from './testing/notifiers.js';
import { bindingsFrom, closeConnectionsNamed, createTestPublisher, notification, type TestPublisher } from './testing/rabbit.js';

// One notifier child process for the whole file: the honest shape (its own memory, its
// own signals). Its close grace is long, so a slow client that wakes up can read its close code.
const exchange = uniqueName('herald.feed');
let ids: Identities;
let notifier: NotifierProcess;
let publisher: TestPublisher;
const clients: FeedClient[] = [];

async function idOf(name: string): Promise<string> {
  return (await ids.named(name)).id;
}

async function connect(url: string, name: string): Promise<FeedClient> {
  const user = await ids.named(name);
  const client = await connectFeed(url, user.token);
  clients.push(client);
  return client;
}

const received = (client: FeedClient, count: number, what: string) => postsReceived(client, count, what, 20_000);

/** The queues bound to the posts exchange: one per notifier process that holds sockets. */
async function boundQueues(): Promise<string[]> {
  return (await bindingsFrom(exchange)).map((b) => b.queue);
}

test.before(async () => {
  ids = await startIdentities('notifier_lifecycle');
  notifier = await spawnNotifier({
    AUTH_GRPC_ADDRESS: ids.authAddress, FEED_EXCHANGE: exchange, CLOSE_GRACE_MS: '120000',
    RABBITMQ_RECONNECT_MIN_MS: '50', RABBITMQ_RECONNECT_MAX_MS: '1000',
  });
  publisher = await createTestPublisher(exchange);
});

test.after(async () => {
  for (const c of clients) c.ws.terminate();
  await notifier?.stop('SIGKILL');
  await publisher?.deleteExchange().catch(() => undefined);
  await publisher?.close();
  await ids?.stop();
});

test('a client that never reads is closed with 4008 and the process memory stays bounded', async () => {
  const users = Array.from({ length: 8 }, (_, i) => `slow-${i}`);
  const slow = await Promise.all(users.map((u) => connect(notifier.url, u)));
  for (const c of slow) c.ws.pause();
  const slowIds = await Promise.all(users.map(idOf));
  const rssBefore = await metricValue(notifier.port, 'process_resident_memory_bytes');
  const text = 'x'.repeat(64 * 1024);
  const rounds = 320; // 20 MiB for each of 8 clients: 160 MiB a process without a bound would hold
  let rssPeak = rssBefore;
  for (let round = 0; round < rounds; round += 1) {
    await publisher.publish(notification('bob', text, slowIds));
    if (round % 20 === 0) rssPeak = Math.max(rssPeak, await metricValue(notifier.port, 'process_resident_memory_bytes'));
  }
  await eventually(async () => ((await metricValue(notifier.port, 'notifier_drops_total', 'reason="send_buffer_full"')) >= users.length ? true : undefined), 'every slow client to overflow');
  rssPeak = Math.max(rssPeak, await metricValue(notifier.port, 'process_resident_memory_bytes'));
  const growthMiB = (rssPeak - rssBefore) / 2 ** 20;
  assert.ok(growthMiB < 96, `RSS grew ${growthMiB.toFixed(1)} MiB while 160 MiB was pushed at clients that do not read`);
  // A client that wakes up reads what was queued, then the close frame.
  for (const c of slow) c.ws.resume();
  for (const c of slow) {
    const { code, reason } = await c.closed;
    assert.is(code, closeCodes.sendBufferFull.code);
    assert.is(reason, closeCodes.sendBufferFull.reason);
    assert.ok(c.messages.length < rounds, 'it missed what did not fit');
  }
});

test('a peer that does not answer pings is cut; a live one stays', async () => {
  const local = await startNotifier(notifierConfig({ AUTH_GRPC_ADDRESS: ids.authAddress, FEED_EXCHANGE: exchange, HEARTBEAT_INTERVAL_MS: '100' }), { logger: testLogger });
  try {
    const url = `ws://127.0.0.1:${local.port}`;
    const [dead, live] = [await connect(url, 'sleepy'), await connect(url, 'lively')];
    dead.ws.pause();
    await eventually(async () => ((await metricValue(local.port, 'notifier_server_closes_total', 'code="heartbeat_timeout"')) >= 1 ? true : undefined), 'the silent peer to be cut');
    dead.ws.resume();
    assert.is((await dead.closed).code, heartbeatTimeoutCloseCode);
    assert.is(live.ws.readyState, WebSocket.OPEN);
    await publisher.publish(notification('bob', 'still alive', [await idOf('lively')]));
    assert.is((await received(live, 1, 'the post'))[0]?.postText, 'still alive');
  } finally {
    await local.stop();
  }
});

test('the heartbeat pings each socket once an interval, spread over it rather than all at once', async () => {
  // All at once, 10,000 pings held the event loop for several hundred ms, and the posts with them.
  const intervalMs = 3_000;
  const local = await startNotifier(notifierConfig({ AUTH_GRPC_ADDRESS: ids.authAddress, FEED_EXCHANGE: exchange, HEARTBEAT_INTERVAL_MS: String(intervalMs) }), { logger: testLogger });
  try {
    const url = `ws://127.0.0.1:${local.port}`;
    const sockets = await Promise.all(Array.from({ length: heartbeatSlices }, (_, i) => connect(url, `pinged-${i}`)));
    const pingedAt = await Promise.all(sockets.map((s) => new Promise<number>((resolve) => s.ws.once('ping', () => resolve(performance.now())))));
    const spreadMs = Math.max(...pingedAt) - Math.min(...pingedAt);
    // One slice a tick: the first pings of as many sockets as slices span all but one tick of the interval.
    assert.ok(spreadMs > intervalMs / 2, `first pings spread over ${spreadMs.toFixed(0)} ms of a ${intervalMs} ms interval`);
    for (const s of sockets) assert.is(s.ws.readyState, WebSocket.OPEN, 'every socket answered and stays');
  } finally {
    await local.stop();
  }
});

test('when the broker drops the connection, the notifier rebinds and open sockets keep receiving', async () => {
  const [a, b] = [await connect(notifier.url, 'olga'), await connect(notifier.url, 'peter')];
  const queuesBefore = await boundQueues();
  assert.is(queuesBefore.length, 1, 'one process, one bound queue');
  // The management API lists a new connection only once its stats arrive (every few seconds).
  const closed = await eventually(async () => {
    const count = await closeConnectionsNamed(`herald-notifier pid ${notifier.child.pid}`);
    return count > 0 ? count : undefined;
  }, "the notifier's connection, as the management API lists it");
  assert.is(closed, 1);
  await eventually(async () => {
    const queues = await boundQueues();
    return queues.length === 1 && queues[0] !== queuesBefore[0] ? true : undefined;
  }, 'a new queue bound in place of the old one');
  await publisher.publish(notification('bob', 'after the fault', [await idOf('olga'), await idOf('peter')]));
  assert.is((await received(a, 1, "olga's post"))[0]?.postText, 'after the fault');
  assert.is((await received(b, 1, "peter's post"))[0]?.postText, 'after the fault');
  assert.ok([a, b].every((c) => c.ws.readyState === WebSocket.OPEN), 'the sockets stayed open');
});

test('SIGTERM closes every socket with 1001, removes the binding and exits 0', async () => {
  const sockets = [await connect(notifier.url, 'quinn'), await connect(notifier.url, 'quinn'), await connect(notifier.url, 'rose')];
  assert.is((await boundQueues()).length, 1);
  const exitCode = await notifier.stop('SIGTERM');
  for (const s of sockets) {
    const { code, reason } = await s.closed;
    assert.is(code, closeCodes.goingAway.code);
    assert.is(reason, closeCodes.goingAway.reason);
  }
  assert.is(exitCode, 0, JSON.stringify(notifier.logs.slice(-10)));
  assert.equal(await boundQueues(), []);
  assert.ok(notifier.logs.some((l) => l.msg === 'notifier stopped'));
});

test.run();
