import { setTimeout as sleep } from 'node:timers/promises';
import { uniqueName } from '@herald/kit/testing';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Redis } from 'ioredis';
import { createRedis } from '../sessions/redis.js';
import { createIdempotencyStore } from './store.js';

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `${uniqueName('herald-test')}:`;
const leaseMs = 1_000;
const clients: Redis[] = [];

async function processRedis(): Promise<Redis> {
  const redis = createRedis(redisUrl);
  await redis.connect();
  clients.push(redis);
  return redis;
}

test.after(async () => {
  const redis = await processRedis();
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  for (const c of clients) c.disconnect();
});

test('regression (fault suite, commandApiKill): a key held by a request whose process died is free for its retry within the lease, not after a minute', async () => {
  const dying = createIdempotencyStore(await processRedis(), prefix, 60, leaseMs);
  const survivor = createIdempotencyStore(await processRedis(), prefix, 60, leaseMs);
  const claim = await dying.claim('user-1', 'key-died', 'fingerprint');
  assert.is(claim.kind, 'claimed');
  // The process dies mid-request: it never completes nor releases the key.
  clients[0]!.disconnect();
  assert.is((await survivor.claim('user-1', 'key-died', 'fingerprint')).kind, 'running', 'held at first');
  const deadline = Date.now() + 5 * leaseMs;
  let retry = await survivor.claim('user-1', 'key-died', 'fingerprint');
  while (retry.kind !== 'claimed' && Date.now() < deadline) {
    await sleep(100);
    retry = await survivor.claim('user-1', 'key-died', 'fingerprint');
  }
  assert.is(retry.kind, 'claimed', `the retry could claim the key within ${5 * leaseMs} ms of the death`);
});

test('a request still running keeps its key past the lease: its process renews it, so a retry is not applied beside it', async () => {
  const store = createIdempotencyStore(await processRedis(), prefix, 60, leaseMs);
  const claim = await store.claim('user-2', 'key-slow', 'fingerprint');
  assert.is(claim.kind, 'claimed');
  await sleep(3 * leaseMs);
  assert.is((await store.claim('user-2', 'key-slow', 'fingerprint')).kind, 'running');
  if (claim.kind === 'claimed') await claim.complete({ status: 200, body: 'done', position: null });
  const after = await store.claim('user-2', 'key-slow', 'fingerprint');
  assert.is(after.kind, 'done', 'completed: no more renewals hold it as running');
});

test.run();
