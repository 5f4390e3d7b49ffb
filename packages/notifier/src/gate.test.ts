import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { eventually, freePort, uniqueName } from '@herald/kit/testing';
import { closeCodes } from './codes.js';
import { startNotifier, type Notifier } from './server.js';
import { startIdentities, type Identities, type User } from './testing/identities.js';
import { connectFeed, refusedUpgrade, type FeedClient } from './testing/feedClient.js';
import { metricValue, notifierConfig, testLogger } from './testing/notifiers.js';

let ids: Identities;
let ada: User;
let notifier: Notifier;
let deadAuthNotifier: Notifier;
let base: string;
const clients: FeedClient[] = [];

test.before(async () => {
  ids = await startIdentities('notifier_gate');
  ada = await ids.register('Ada');
  const exchange = uniqueName('herald.feed');
  notifier = await startNotifier(notifierConfig({ AUTH_GRPC_ADDRESS: ids.authAddress, FEED_EXCHANGE: exchange, MAX_SOCKETS_PER_USER: '3' }), { logger: testLogger });
  base = `ws://127.0.0.1:${notifier.port}`;
  // Nothing listens on this port: the auth service is unreachable.
  const deadAddress = `127.0.0.1:${await freePort()}`;
  deadAuthNotifier = await startNotifier(notifierConfig({ AUTH_GRPC_ADDRESS: deadAddress, FEED_EXCHANGE: exchange, AUTH_DEADLINE_MS: '500' }), { logger: testLogger });
});

test.after(async () => {
  for (const c of clients) c.ws.terminate();
  await notifier?.stop();
  await deadAuthNotifier?.stop();
  await ids?.stop();
});

test('a token in Authorization: Bearer opens the feed', async () => {
  const client = await connectFeed(base, ada.token, 'bearer');
  clients.push(client);
  assert.is(client.ws.readyState, client.ws.OPEN);
});

test('a raw token in the Authorization header opens the feed', async () => {
  const client = await connectFeed(base, ada.token, 'raw');
  clients.push(client);
  assert.is(client.ws.readyState, client.ws.OPEN);
  await client.close();
});

test('a token in the token query parameter opens the feed (browsers)', async () => {
  const client = await connectFeed(base, ada.token, 'query');
  clients.push(client);
  assert.is(client.ws.readyState, client.ws.OPEN);
  await client.close();
});

test('no token is answered 401 before the upgrade, with a JSON error', async () => {
  const { status, body } = await refusedUpgrade(base, undefined);
  assert.is(status, 401);
  assert.is(body.code, 'unauthorized');
  assert.match(body.message ?? '', 'token');
});

test('an unknown token is answered 401', async () => {
  assert.is((await refusedUpgrade(base, 'no-such-token', 'bearer')).status, 401);
  assert.is((await refusedUpgrade(base, 'no-such-token', 'query')).status, 401);
});

test('a logged-out token is refused when good answers are not cached', async () => {
  const noCache = await startNotifier(notifierConfig({ AUTH_GRPC_ADDRESS: ids.authAddress, FEED_EXCHANGE: uniqueName('herald.feed'), AUTH_CACHE_TTL_MS: '0' }), { logger: testLogger });
  try {
    const url = `ws://127.0.0.1:${noCache.port}`;
    const token = await ids.login(ada.id);
    (await connectFeed(url, token)).ws.terminate();
    await ids.logout(token);
    assert.is((await refusedUpgrade(url, token)).status, 401);
  } finally {
    await noCache.stop();
  }
});

test('a good answer is reused for AUTH_CACHE_TTL_MS: a token logged out a moment ago still opens', async () => {
  const token = await ids.login(ada.id);
  (await connectFeed(base, token)).ws.terminate();
  await ids.logout(token);
  const again = await connectFeed(base, token);
  assert.is(again.ws.readyState, again.ws.OPEN);
  again.ws.terminate();
});

test('an unreachable auth service is answered 503', async () => {
  const { status, body } = await refusedUpgrade(`ws://127.0.0.1:${deadAuthNotifier.port}`, ada.token);
  assert.is(status, 503);
  assert.is(body.code, 'auth_unavailable');
});

test('any other path is answered 404, even with a good token', async () => {
  assert.is((await refusedUpgrade(base, ada.token, 'bearer', '/post/feed')).status, 404);
  assert.is((await refusedUpgrade(base, ada.token, 'bearer', '/')).status, 404);
});

test('a plain GET of the feed path is told to upgrade; other plain paths are 404', async () => {
  const http = base.replace('ws:', 'http:');
  assert.is((await fetch(`${http}/post/feed/posted`)).status, 426);
  assert.is((await fetch(`${http}/nowhere`)).status, 404);
  assert.is((await fetch(`${http}/healthz`)).status, 200);
});

test('a user may hold MAX_SOCKETS_PER_USER sockets; the next is closed with 4029', async () => {
  const crowd = await ids.register('Crowd');
  const first = await Promise.all([1, 2, 3].map(() => connectFeed(base, crowd.token)));
  clients.push(...first);
  const extra = await connectFeed(base, crowd.token);
  const { code, reason } = await extra.closed;
  assert.is(code, closeCodes.tooManySockets.code);
  assert.is(reason, closeCodes.tooManySockets.reason);
  assert.ok(first.every((c) => c.ws.readyState === c.ws.OPEN), 'the first three stay open');
  // A place freed is a place taken.
  const before = await metricValue(notifier.port, 'notifier_connections');
  await first[0]!.close();
  await eventually(async () => ((await metricValue(notifier.port, 'notifier_connections')) === before - 1 ? true : undefined), 'the closed socket to leave');
  const again = await connectFeed(base, crowd.token);
  clients.push(again);
  assert.is(again.ws.readyState, again.ws.OPEN);
});

test.run();
