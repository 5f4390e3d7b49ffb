// Sockets end with their session (issue 14, "sockets outlive their session"): logout
// closes them on every notifier, expiry closes them when the session ends, and a
// notifier that missed a revocation finds out when it hears Redis again.
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { eventually, uniqueName } from '@herald/kit/testing';
import { closeCodes } from './codes.js';
import { startNotifier, type Notifier } from './server.js';
import { connectFeed, type FeedClient } from './testing/feed-client.js';
import { startIdentities, type Identities, type User } from './testing/identities.js';
import { notifierConfig, testLogger } from './testing/notifiers.js';

let ids: Identities;
/** Sessions of two seconds. */
let brief: Identities;
let ada: User;
let first: Notifier;
let second: Notifier;
let forBrief: Notifier;
let redis: Redis;
const clients: FeedClient[] = [];

const startFor = (identities: Identities) =>
  startNotifier(
    notifierConfig({ AUTH_GRPC_ADDRESS: identities.authAddress, REDIS_KEY_PREFIX: identities.redisKeyPrefix, FEED_EXCHANGE: uniqueName('herald.feed') }),
    { logger: testLogger },
  );

test.before(async () => {
  ids = await startIdentities('notifier_revocations');
  brief = await startIdentities('notifier_revocations_brief', { SESSION_TTL_SECONDS: '2' });
  ada = await ids.register('Ada');
  [first, second, forBrief] = [await startFor(ids), await startFor(ids), await startFor(brief)];
  redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
});

test.after(async () => {
  for (const c of clients) c.ws.terminate();
  redis?.disconnect();
  for (const n of [first, second, forBrief]) await n?.stop();
  await ids?.stop();
  await brief?.stop();
});

async function open(notifier: Notifier, token: string): Promise<FeedClient> {
  const client = await connectFeed(`ws://127.0.0.1:${notifier.port}`, token);
  clients.push(client);
  return client;
}

/** The close code and reason once the socket is closed, without waiting for it. */
function closeOf(client: FeedClient): Promise<{ code: number; reason: string } | undefined> {
  return Promise.race([client.closed, new Promise<undefined>((resolve) => setImmediate(() => resolve(undefined)))]);
}

test("regression (issue 14): logout closes that token's sockets on every notifier with 4001; the user's other sessions stay open", async () => {
  const token = await ids.login(ada.id);
  const other = await ids.login(ada.id);
  const doomed = [await open(first, token), await open(first, token), await open(second, token)];
  const kept = [await open(first, other), await open(second, other)];
  await ids.logout(token);
  for (const client of doomed) {
    const closed = await eventually(() => closeOf(client), 'the logged-out socket to close');
    assert.equal(closed, { code: closeCodes.sessionRevoked.code, reason: closeCodes.sessionRevoked.reason });
  }
  assert.ok(kept.every((c) => c.ws.readyState === c.ws.OPEN), 'the other session is untouched');
});

test('regression (issue 14): a socket ends when its session expires, with 4002', async () => {
  const cleo = await brief.register('Cleo');
  const client = await open(forBrief, cleo.token);
  const closed = await eventually(() => closeOf(client), 'the socket to close at expiry');
  assert.equal(closed, { code: closeCodes.sessionExpired.code, reason: closeCodes.sessionExpired.reason });
});

test('a notifier that lost Redis for a moment checks its sockets again: a revocation it missed still closes them', async () => {
  const token = await ids.login(ada.id);
  const client = await open(first, token);
  // Revoked behind the notifier's back (no message), then its subscription is cut.
  await redis.del(`${ids.redisKeyPrefix}session:${createHash('sha256').update(token).digest('hex')}`);
  const subscribers = String(await redis.call('CLIENT', 'LIST', 'TYPE', 'pubsub'))
    .split('\n')
    .filter((line) => line.includes(`name=herald-notifier-revocations-${process.pid}-${first.port}`));
  assert.is(subscribers.length, 1, 'the notifier subscribes under its name');
  await redis.call('CLIENT', 'KILL', 'ID', /\bid=(\d+)/.exec(subscribers[0]!)![1]!);
  const closed = await eventually(() => closeOf(client), 'the socket to close after the notifier resubscribed');
  assert.is(closed.code, closeCodes.sessionRevoked.code);
});

test.run();
