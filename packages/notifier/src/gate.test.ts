import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { eventually, freePort, uniqueName } from '@herald/kit/testing';
import { closeCodes } from './codes.js';
import { startNotifier, type Notifier } from './server.js';
import { startIdentities, type Identities, type User } from './testing/identities.js';
import { startTestAuthServer, type TestAuthServer } from './testing/auth-server.js';
import { connectFeed, refusedUpgrade, type FeedClient } from './testing/feed-client.js';
import { metricValue, notifierConfig, testLogger } from './testing/notifiers.js';

let ids: Identities;
let ada: User;
let notifier: Notifier;
let deadAuthNotifier: Notifier;
let base: string;
/** A notifier before a test auth service that counts its calls; client addresses from X-Forwarded-For. */
let counted: { auth: TestAuthServer; notifier: Notifier; url: string };
const clients: FeedClient[] = [];

test.before(async () => {
  ids = await startIdentities('notifier_gate');
  ada = await ids.register('Ada');
  const exchange = uniqueName('herald.feed');
  notifier = await startNotifier(
    notifierConfig({ AUTH_GRPC_ADDRESS: ids.authAddress, REDIS_KEY_PREFIX: ids.redisKeyPrefix, FEED_EXCHANGE: exchange, MAX_SOCKETS_PER_USER: '3' }),
    { logger: testLogger },
  );
  base = `ws://127.0.0.1:${notifier.port}`;
  // Nothing listens on this port: the auth service is unreachable.
  const deadAddress = `127.0.0.1:${await freePort()}`;
  deadAuthNotifier = await startNotifier(notifierConfig({ AUTH_GRPC_ADDRESS: deadAddress, FEED_EXCHANGE: exchange, AUTH_DEADLINE_MS: '500' }), { logger: testLogger });
  const auth = await startTestAuthServer(new Map([['good-token', ada.id]]));
  const countedNotifier = await startNotifier(
    notifierConfig({ AUTH_GRPC_ADDRESS: auth.address, FEED_EXCHANGE: exchange, TRUST_PROXY: 'true', AUTH_FAILURES_PER_CLIENT: '3' }),
    { logger: testLogger },
  );
  counted = { auth, notifier: countedNotifier, url: `ws://127.0.0.1:${countedNotifier.port}` };
});

test.after(async () => {
  for (const c of clients) c.ws.terminate();
  await notifier?.stop();
  await deadAuthNotifier?.stop();
  await counted?.notifier.stop();
  await counted?.auth.stop();
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

test('regression (issue 14): a logged-out token is refused at once, even though its good answer was cached', async () => {
  // Good answers were reused for AUTH_CACHE_TTL_MS whatever happened meanwhile: a
  // revoked token could open new sockets for up to 10 s.
  const token = await ids.login(ada.id);
  (await connectFeed(base, token)).ws.terminate();
  await ids.logout(token);
  const { status, body } = await refusedUpgrade(base, token);
  assert.is(status, 401);
  assert.is(body.code, 'unauthorized');
});

test('regression (issue 14): a refused token is remembered for a while: repeating it costs no further auth call', async () => {
  const before = counted.auth.calls();
  for (let i = 0; i < 2; i++) assert.is((await refusedUpgrade(counted.url, 'no-such-token', 'bearer', undefined, { 'x-forwarded-for': '203.0.113.40' })).status, 401);
  assert.is(counted.auth.calls() - before, 1);
});

test('regression (issue 14): refused tokens from one address are bounded: then 429 with Retry-After, and no auth call', async () => {
  const from = (token: string, address: string) => refusedUpgrade(counted.url, token, 'bearer', undefined, { 'x-forwarded-for': address });
  for (let i = 0; i < 3; i++) assert.is((await from(`guess-${i}`, '203.0.113.41')).status, 401);
  const before = counted.auth.calls();
  const limited = await from('guess-3', '203.0.113.41');
  assert.is(limited.status, 429);
  assert.is(limited.body.code, 'too_many_auth_failures');
  assert.ok(Number(limited.headers['retry-after']) >= 1, 'with Retry-After');
  assert.is(counted.auth.calls(), before, 'the auth service was not asked');
  assert.is((await from('guess-4', '198.51.100.41')).status, 401, 'another address is asked about its own tokens');
  const good = await connectFeed(counted.url, 'good-token', 'bearer', undefined, { extraHeaders: { 'x-forwarded-for': '198.51.100.41' } });
  good.ws.terminate();
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
