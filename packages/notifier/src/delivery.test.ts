import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { WebSocket } from 'ws';
import { eventually, startTcpProxy, uniqueName, type TcpProxy } from '@herald/kit/testing';
import { closeCodes } from './codes.js';
import { startNotifier, type Notifier } from './server.js';
import { startIdentities, type Identities } from './testing/identities.js';
import { connectFeed, type FeedClient, postsReceived } from './testing/feed-client.js';
import { metricValue, notifierConfig, testLogger } from './testing/notifiers.js';
import { bindingsFrom, createTestPublisher, notification, rabbitUrl, type TestPublisher } from './testing/rabbit.js';

const exchange = uniqueName('herald.feed');
let ids: Identities;
let notifier: Notifier;
let publisher: TestPublisher;
let base: string;
const clients: FeedClient[] = [];
const notifiers: Notifier[] = [];
const proxies: TcpProxy[] = [];

async function idOf(name: string): Promise<string> {
  return (await ids.named(name)).id;
}

async function connect(name: string, url = base): Promise<FeedClient> {
  const user = await ids.named(name);
  const client = await connectFeed(url, user.token);
  clients.push(client);
  return client;
}

/** A notifier of its own, for tests about the one binding a process makes. */
async function ownNotifier(env: Record<string, string> = {}): Promise<Notifier> {
  const own = await startNotifier(notifierConfig({ AUTH_GRPC_ADDRESS: ids.authAddress, FEED_EXCHANGE: exchange, ...env }), { logger: testLogger });
  notifiers.push(own);
  return own;
}

/** Waits until a client holds `count` messages; later messages would still be counted. */
const received = (client: FeedClient, count: number, what: string) => postsReceived(client, count, what, 10_000);

/** Whether this notifier's queue is bound to the posts exchange, as the broker reports it. */
async function isBound(process: Notifier): Promise<boolean> {
  const queue = process.queue();
  return (await bindingsFrom(exchange)).some((b) => b.queue === queue);
}

test.before(async () => {
  ids = await startIdentities('notifier_delivery');
  notifier = await startNotifier(notifierConfig({ AUTH_GRPC_ADDRESS: ids.authAddress, FEED_EXCHANGE: exchange, MAX_CLIENT_FRAME_BYTES: '256' }), { logger: testLogger });
  base = `ws://127.0.0.1:${notifier.port}`;
  publisher = await createTestPublisher(exchange);
});

test.after(async () => {
  for (const c of clients) c.ws.terminate();
  for (const n of notifiers) await n.stop();
  for (const p of proxies) await p.close();
  await notifier?.stop();
  await publisher?.deleteExchange().catch(() => undefined);
  await publisher?.close();
  await ids?.stop();
});

test('a post for a user reaches every socket of that user as the AsyncAPI Post message', async () => {
  const [phone, laptop] = [await connect('alice'), await connect('alice')];
  const sent = notification('bob', 'hello from bob', [await idOf('alice')]);
  await publisher.publish(sent);
  for (const device of [phone, laptop]) {
    const [message] = await received(device, 1, 'the post on each device');
    assert.equal(message, { postId: sent.payload.postId, postText: 'hello from bob', author_user_id: 'bob', cursor: sent.position });
  }
});

test('the wire message carries exactly postId, postText and author_user_id, and its cursor', async () => {
  const client = await connect('wire');
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- ws hands a text frame over as one Buffer (binaryType nodebuffer)
  const raw = new Promise<string>((resolve) => client.ws.once('message', (data) => resolve(String(data))));
  await publisher.publish(notification('bob', 'exact', [await idOf('wire')]));
  assert.equal(Object.keys(JSON.parse(await raw)).sort(), ['author_user_id', 'cursor', 'postId', 'postText']);
});

test('one message reaches every socket of every local recipient, and no one else', async () => {
  const [frank, frank2, grace, outsider] = [await connect('frank'), await connect('frank'), await connect('grace'), await connect('oscar')];
  const before = await metricValue(notifier.port, 'notifier_deliveries_total');
  await publisher.publish(notification('bob', 'to both friends', [await idOf('frank'), 'someone-elsewhere', await idOf('grace')]));
  for (const client of [frank, frank2, grace]) assert.equal((await received(client, 1, 'the post')).map((m) => m.postText), ['to both friends']);
  await eventually(async () => ((await metricValue(notifier.port, 'notifier_deliveries_total')) === before + 3 ? true : undefined), 'three socket deliveries');
  // One queue delivers in order: once the outsider's own post arrives, the shared one was handled.
  await publisher.publish(notification('bob', 'for oscar', [await idOf('oscar')]));
  assert.equal((await received(outsider, 1, "oscar's post")).map((m) => m.postText), ['for oscar']);
});

test('a message that says when its post was committed to the log times its delivery, once however many sockets; one that does not, is not timed', async () => {
  const [phone, laptop] = [await connect('heidi'), await connect('heidi')];
  const [count, sum] = [await metricValue(notifier.port, 'notifier_delivery_lag_seconds_count'), await metricValue(notifier.port, 'notifier_delivery_lag_seconds_sum')];
  await publisher.publish({ ...notification('bob', 'committed two seconds ago', [await idOf('heidi')]), committedAt: new Date(Date.now() - 2_000).toISOString() });
  await publisher.publish(notification('bob', 'from an older relay', [await idOf('heidi')]));
  for (const device of [phone, laptop]) assert.equal((await received(device, 2, 'both posts')).map((m) => m.postText), ['committed two seconds ago', 'from an older relay']);
  assert.is(await metricValue(notifier.port, 'notifier_delivery_lag_seconds_count'), count + 1, 'one message timed');
  const lag = (await metricValue(notifier.port, 'notifier_delivery_lag_seconds_sum')) - sum;
  assert.ok(lag >= 2 && lag < 60, `timed from its commit: ${lag} s`);
});

test('posts for other users do not reach a socket', async () => {
  const carol = await connect('carol');
  await connect('dave');
  await publisher.publish(notification('bob', 'for dave only', [await idOf('dave')]));
  await publisher.publish(notification('bob', 'for a user with no socket', ['nobody-here']));
  await publisher.publish(notification('bob', 'for carol', [await idOf('carol')]));
  const messages = await received(carol, 1, "carol's post");
  assert.equal(messages.map((m) => m.postText), ['for carol']);
  assert.ok((await metricValue(notifier.port, 'notifier_drops_total', 'reason="no_local_socket"')) >= 1);
});

test('a recipient list of 25,000 users reaches the two of them connected here', async () => {
  const [ruth, sam] = [await connect('ruth'), await connect('sam')];
  const strangers = Array.from({ length: 25_000 }, (_, i) => `stranger-${String(i)}`);
  const recipients = [...strangers.slice(0, 12_000), await idOf('ruth'), ...strangers.slice(12_000), await idOf('sam')];
  await publisher.publish(notification('celebrity', 'to all my friends', recipients));
  for (const client of [ruth, sam]) assert.equal((await received(client, 1, 'the post')).map((m) => m.postText), ['to all my friends']);
});

test('a redelivered event id and part is not sent again; another part of it is', async () => {
  const [erin, ezra] = [await connect('erin'), await connect('ezra')];
  const first = notification('bob', 'once only', [await idOf('erin')]);
  await publisher.publish({ ...first, parts: 2 });
  await publisher.publish({ ...first, parts: 2, eventId: first.eventId });
  await publisher.publish({ ...first, recipients: [await idOf('ezra')], part: 1, parts: 2 });
  await publisher.publish(notification('bob', 'sentinel', [await idOf('erin'), await idOf('ezra')]));
  assert.equal((await received(erin, 2, 'the post and the sentinel')).map((m) => m.postText), ['once only', 'sentinel']);
  assert.equal((await received(ezra, 2, 'the second part and the sentinel')).map((m) => m.postText), ['once only', 'sentinel']);
  assert.ok((await metricValue(notifier.port, 'notifier_drops_total', 'reason="duplicate"')) >= 1);
});

test('a malformed message is dropped and the next one still arrives', async () => {
  const heidi = await connect('heidi');
  await publisher.publishRaw(Buffer.from('{not json'));
  await publisher.publishRaw(Buffer.from(JSON.stringify({ eventId: 'x' })));
  await publisher.publish(notification('bob', 'after the bad ones', [await idOf('heidi')]));
  assert.equal((await received(heidi, 1, 'the good post')).map((m) => m.postText), ['after the bad ones']);
  assert.ok((await metricValue(notifier.port, 'notifier_drops_total', 'reason="malformed"')) >= 2);
});

test('the queue is bound on the process\'s first socket and unbound when its last socket leaves', async () => {
  const own = await ownNotifier();
  const url = `ws://127.0.0.1:${own.port}`;
  assert.not.ok(await isBound(own), 'no socket, no binding');
  const first = await connect('ivan', url);
  assert.ok(await isBound(own), 'bound once the socket is open');
  const second = await connect('ivy', url);
  await first.close();
  await publisher.publish(notification('bob', 'still bound', [await idOf('ivy')]));
  assert.is((await received(second, 1, 'the post on the remaining socket'))[0]?.postText, 'still bound');
  assert.ok(await isBound(own));
  await second.close();
  await eventually(async () => (!(await isBound(own)) ? true : undefined), 'the queue to be unbound');
  assert.is(await metricValue(own.port, 'notifier_binds_total'), 1);
  assert.is(await metricValue(own.port, 'notifier_unbinds_total'), 1);
});

test('sockets connecting and leaving concurrently leave the binding right', async () => {
  const own = await ownNotifier();
  const url = `ws://127.0.0.1:${own.port}`;
  for (let round = 0; round < 5; round += 1) {
    const burst = await Promise.all(Array.from({ length: 8 }, (_, i) => connect(i % 2 === 0 ? 'judy' : 'jack', url)));
    // Close all but (round % 2) of them at once, in random order.
    const keep = burst.slice(0, round % 2);
    await Promise.all(burst.slice(round % 2).sort(() => Math.random() - 0.5).map((c) => c.close()));
    const expected = keep.length > 0;
    await eventually(async () => ((await isBound(own)) === expected ? true : undefined), `binding present = ${expected} after round ${round}`);
    for (const c of keep) await c.close();
    await eventually(async () => (!(await isBound(own)) ? true : undefined), 'unbound');
  }
  const last = await connect('judy', url);
  assert.is((await bindingsFrom(exchange)).filter((b) => b.queue === own.queue()).length, 1, 'exactly one binding');
  await publisher.publish(notification('bob', 'after the flapping', [await idOf('judy')]));
  assert.is((await received(last, 1, 'the post'))[0]?.postText, 'after the flapping');
});

test('race: posts published while a process\'s first socket connects reach it from the moment it is open', async () => {
  // Each round connects the only socket of a notifier (so its queue must be bound first)
  // while a publisher sends numbered posts back to back. Every post published after the
  // socket opened must arrive, and what arrives has no gap. The notifier's line to the
  // broker holds its requests back 30 ms, so a socket let in before its binding is made
  // would miss the posts of those 30 ms.
  const line = await startTcpProxy(rabbitUrl, 5672);
  line.delayClientBytes(30);
  proxies.push(line);
  const own = await ownNotifier({ RABBITMQ_URL: line.url() });
  const url = `ws://127.0.0.1:${own.port}`;
  const tina = await idOf('tina');
  for (let round = 0; round < 20; round += 1) {
    let opened = false;
    let openedAt = -1;
    let next = 0;
    let publishing = true;
    const stream = (async () => {
      while (publishing) {
        const seq = next++;
        if (opened && openedAt < 0) openedAt = seq;
        await publisher.publish(notification('bob', String(seq), [tina]));
      }
    })();
    const client = await connect('tina', url);
    opened = true;
    await eventually(() => (openedAt >= 0 && client.messages.some((m) => Number(m.postText) >= openedAt + 5) ? true : undefined), `round ${round}: posts after the open`);
    publishing = false;
    await stream;
    const last = next - 1;
    await eventually(() => (client.messages.some((m) => Number(m.postText) === last) ? true : undefined), `round ${round}: the last post`);
    const seen = client.messages.map((m) => Number(m.postText));
    const from = seen[0] ?? -1;
    assert.ok(from <= openedAt, `round ${round}: the first post delivered (${from}) was published before the open (${openedAt})`);
    assert.equal(seen, Array.from({ length: last - from + 1 }, (_, i) => from + i), `round ${round}: no gap and no duplicate`);
    await client.close();
    await eventually(async () => (!(await isBound(own)) ? true : undefined), `round ${round}: unbound again`);
  }
});

test('small frames from clients are ignored; the socket keeps receiving', async () => {
  const client = await connect('kate');
  client.ws.send('hello server');
  client.ws.send(Buffer.alloc(100));
  await publisher.publish(notification('bob', 'still here', [await idOf('kate')]));
  assert.is((await received(client, 1, 'the post'))[0]?.postText, 'still here');
  assert.is(client.ws.readyState, WebSocket.OPEN);
});

test('a client frame above the cap closes the socket with 1009', async () => {
  const client = await connect('leo');
  client.ws.send(Buffer.alloc(1024));
  assert.is((await client.closed).code, closeCodes.frameTooBig.code);
});

test('permessage-deflate is off even when the client offers it', async () => {
  const { token } = await ids.named('mallory');
  const ws = new WebSocket(`${base}/post/feed/posted`, { headers: { authorization: `Bearer ${token}` }, perMessageDeflate: true });
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  assert.is(ws.extensions, '');
  ws.terminate();
});

test('metrics count connections, users, deliveries and the binding', async () => {
  const before = await metricValue(notifier.port, 'notifier_deliveries_total');
  const client = await connect('nina');
  await publisher.publish(notification('bob', 'counted', [await idOf('nina')]));
  await received(client, 1, 'the post');
  assert.ok((await metricValue(notifier.port, 'notifier_connections')) >= 1);
  assert.ok((await metricValue(notifier.port, 'notifier_users')) >= 1);
  assert.ok((await metricValue(notifier.port, 'notifier_binds_total')) >= 1);
  await eventually(async () => ((await metricValue(notifier.port, 'notifier_deliveries_total')) === before + 1 ? true : undefined), 'one more delivery');
});

test.run();
