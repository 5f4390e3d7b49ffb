import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { WebSocket } from 'ws';
import { userRoutingKey } from '@herald/contracts';
import { eventually, uniqueName } from '@herald/kit/testing';
import { closeCodes } from './codes.js';
import { startNotifier, type Notifier } from './server.js';
import { startIdentities, type Identities, type User } from './testing/identities.js';
import { connectFeed, type FeedClient } from './testing/feedClient.js';
import { metricValue, notifierConfig, testLogger } from './testing/notifiers.js';
import { bindingsFrom, createTestPublisher, notification, type TestPublisher } from './testing/rabbit.js';

const exchange = uniqueName('herald.feed');
let ids: Identities;
let notifier: Notifier;
let publisher: TestPublisher;
let base: string;
const clients: FeedClient[] = [];

async function idOf(name: string): Promise<string> {
  return (await ids.named(name)).id;
}

async function keyOf(name: string): Promise<string> {
  return userRoutingKey(await idOf(name));
}

async function connect(name: string): Promise<FeedClient> {
  const user = await ids.named(name);
  const client = await connectFeed(base, user.token);
  clients.push(client);
  return client;
}

/** Waits until a client holds `count` messages; later messages would still be counted. */
function received(client: FeedClient, count: number, what: string) {
  return eventually(() => (client.messages.length >= count ? client.messages : undefined), what);
}

async function routingKeysBound(): Promise<string[]> {
  return (await bindingsFrom(exchange)).filter((b) => b.queue === notifier.queue()).map((b) => b.routingKey).sort();
}

test.before(async () => {
  ids = await startIdentities('notifier_delivery');
  notifier = await startNotifier(notifierConfig({ AUTH_GRPC_ADDRESS: ids.authAddress, FEED_EXCHANGE: exchange, MAX_CLIENT_FRAME_BYTES: '256' }), { logger: testLogger });
  base = `ws://127.0.0.1:${notifier.port}`;
  publisher = await createTestPublisher(exchange);
});

test.after(async () => {
  for (const c of clients) c.ws.terminate();
  await notifier?.stop();
  await publisher?.deleteExchange().catch(() => undefined);
  await publisher?.close();
  await ids?.stop();
});

test('a post for a user reaches every socket of that user as the AsyncAPI Post message', async () => {
  const [phone, laptop] = [await connect('alice'), await connect('alice')];
  const sent = notification('bob', 'hello from bob');
  await publisher.publish(await idOf('alice'), sent);
  for (const device of [phone, laptop]) {
    const [message] = await received(device, 1, 'the post on each device');
    assert.equal(message, { postId: sent.payload.postId, postText: 'hello from bob', author_user_id: 'bob' });
  }
});

test('the wire message carries exactly postId, postText and author_user_id', async () => {
  const client = await connect('wire');
  const raw = new Promise<string>((resolve) => client.ws.once('message', (data) => resolve(String(data))));
  await publisher.publish(await idOf('wire'), notification('bob', 'exact'));
  assert.equal(Object.keys(JSON.parse(await raw)).sort(), ['author_user_id', 'postId', 'postText']);
});

test('posts for other users do not reach a socket', async () => {
  const carol = await connect('carol');
  await connect('dave');
  await publisher.publish(await idOf('dave'), notification('bob', 'for dave only'));
  await publisher.publish('nobody-here', notification('bob', 'for a user with no socket'));
  // One queue delivers in order: once carol's own post arrives, the others were handled.
  await publisher.publish(await idOf('carol'), notification('bob', 'for carol'));
  const messages = await received(carol, 1, "carol's post");
  assert.equal(messages.map((m) => m.postText), ['for carol']);
});

test('a redelivered event id is not sent again', async () => {
  const erin = await connect('erin');
  const first = notification('bob', 'once only');
  await publisher.publish(await idOf('erin'), first);
  await publisher.publish(await idOf('erin'), { ...first, position: 'later' });
  await publisher.publish(await idOf('erin'), notification('bob', 'sentinel'));
  const messages = await received(erin, 2, 'the post and the sentinel');
  assert.equal(messages.map((m) => m.postText), ['once only', 'sentinel']);
  assert.ok((await metricValue(notifier.port, 'notifier_drops_total', 'reason="duplicate"')) >= 1);
});

test('one event fanned out to two readers reaches both (dedupe is per reader)', async () => {
  const [frank, grace] = [await connect('frank'), await connect('grace')];
  const shared = notification('bob', 'to both friends');
  await publisher.publish(await idOf('frank'), shared);
  await publisher.publish(await idOf('grace'), shared);
  assert.is((await received(frank, 1, 'frank'))[0]?.postText, 'to both friends');
  assert.is((await received(grace, 1, 'grace'))[0]?.postText, 'to both friends');
});

test('a malformed message is dropped and the next one still arrives', async () => {
  const heidi = await connect('heidi');
  await publisher.publishRaw(await keyOf('heidi'), Buffer.from('{not json'));
  await publisher.publishRaw(await keyOf('heidi'), Buffer.from(JSON.stringify({ eventId: 'x' })));
  await publisher.publish(await idOf('heidi'), notification('bob', 'after the bad ones'));
  assert.equal((await received(heidi, 1, 'the good post')).map((m) => m.postText), ['after the bad ones']);
  assert.ok((await metricValue(notifier.port, 'notifier_drops_total', 'reason="malformed"')) >= 2);
});

test('user.<id> is bound on the first socket and unbound when the last one leaves', async () => {
  const first = await connect('ivan');
  assert.ok((await routingKeysBound()).includes(await keyOf('ivan')), 'bound once the socket is open');
  const second = await connect('ivan');
  await first.close();
  await publisher.publish(await idOf('ivan'), notification('bob', 'still bound'));
  assert.is((await received(second, 1, 'the post on the remaining socket'))[0]?.postText, 'still bound');
  assert.ok((await routingKeysBound()).includes(await keyOf('ivan')));
  await second.close();
  await eventually(async () => (!(await routingKeysBound()).includes(await keyOf('ivan')) ? true : undefined), 'user.ivan to be unbound');
});

test('sockets of one user connecting and leaving concurrently leave the binding right', async () => {
  for (let round = 0; round < 5; round += 1) {
    const burst = await Promise.all(Array.from({ length: 8 }, () => connect('judy')));
    // Close all but (round % 2) of them at once, in random order.
    const keep = burst.slice(0, round % 2);
    await Promise.all(burst.slice(round % 2).sort(() => Math.random() - 0.5).map((c) => c.close()));
    const expected = keep.length > 0;
    await eventually(async () => (((await routingKeysBound()).includes(await keyOf('judy'))) === expected ? true : undefined), `binding present = ${expected} after round ${round}`);
    for (const c of keep) await c.close();
    await eventually(async () => (!(await routingKeysBound()).includes(await keyOf('judy')) ? true : undefined), 'user.judy unbound');
  }
  const last = await connect('judy');
  const judyKey = await keyOf('judy');
  assert.equal((await routingKeysBound()).filter((k) => k === judyKey), [judyKey]);
  await publisher.publish(await idOf('judy'), notification('bob', 'after the flapping'));
  assert.is((await received(last, 1, 'the post'))[0]?.postText, 'after the flapping');
});

test('small frames from clients are ignored; the socket keeps receiving', async () => {
  const client = await connect('kate');
  client.ws.send('hello server');
  client.ws.send(Buffer.alloc(100));
  await publisher.publish(await idOf('kate'), notification('bob', 'still here'));
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

test('metrics count connections, users, deliveries and bindings', async () => {
  const before = await metricValue(notifier.port, 'notifier_deliveries_total');
  const client = await connect('nina');
  await publisher.publish(await idOf('nina'), notification('bob', 'counted'));
  await received(client, 1, 'the post');
  assert.ok((await metricValue(notifier.port, 'notifier_connections')) >= 1);
  assert.ok((await metricValue(notifier.port, 'notifier_users')) >= 1);
  assert.ok((await metricValue(notifier.port, 'notifier_binds_total')) >= 1);
  assert.ok((await metricValue(notifier.port, 'notifier_unbinds_total')) >= 1);
  await eventually(async () => ((await metricValue(notifier.port, 'notifier_deliveries_total')) === before + 1 ? true : undefined), 'one more delivery');
});

test.run();
