import { friendshipStream, postStream, type HeraldEventType } from '@herald/contracts';
import { createLogger } from '@herald/kit';
import { percentile } from '@herald/kit/bench';
import { uniqueName } from '@herald/kit/testing';
import { v7 as uuid } from 'uuid';
import { followLog } from '../src/live.js';
import { projections } from '../src/projections/list.js';
import { startOutboxRelay } from '../src/outbox/relay.js';
import { createReadModelQueries } from '../src/queries.js';
import type { BenchDatabase } from './setup.js';
import { generate } from './setup.js';

export interface LagFigures extends Record<string, number> {
  offeredPerSec: number;
  achievedPerSec: number;
  events: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

const logger = createLogger('bench-projections', 'warn');

/**
 * The live projector (with its outbox and relay) following a log that receives events at
 * a steady rate; lag is from an event's commit in the log to the commit of its
 * read-model changes, for every event of the run.
 */
export async function lagBench(
  db: BenchDatabase, options: { users: number; rates: readonly number[]; seconds: number; rabbitmqUrl: string },
): Promise<LagFigures[]> {
  console.log(`lag: seeding ${options.users} users with about 50 friends each`);
  await generate(db.store, { users: options.users, friendsPerUser: 50, postsPerUser: 1, concurrency: 32, seed: 11 }, 'lag seed');
  const lags: number[] = [];
  let measuring = false;
  const relay = startOutboxRelay({ pool: db.pool, rabbitmqUrl: options.rabbitmqUrl, exchange: uniqueName('herald.posts.bench'), logger });
  const follower = followLog({
    store: db.store, pool: db.pool, projections, batchSize: 1000, logger,
    onBatch: (events, _outcome, committedAt) => {
      if (measuring) for (const e of events) lags.push(committedAt - e.createdAt.getTime());
      relay.wake();
    },
  });
  try {
    const queries = createReadModelQueries(db.pool);
    for (;;) {
      const [head, reached] = [await db.store.headPosition(), await queries.projectedPosition()];
      if (head !== null && reached !== null && reached >= head) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const figures: LagFigures[] = [];
    for (const rate of options.rates) {
      await drained(db);
      console.log(`lag: appending events at ${rate} events/s for ${options.seconds} s`);
      lags.length = 0;
      measuring = true;
      const { appended, seconds } = await offerLoad(db, rate, options.seconds);
      const last = await waitForEvents(() => lags.length, appended);
      measuring = false;
      console.log(`lag: ${appended} events appended in ${seconds.toFixed(1)} s, ${last} projected`);
      figures.push({
        offeredPerSec: rate,
        achievedPerSec: appended / seconds,
        events: lags.length,
        p50Ms: percentile(lags, 50),
        p99Ms: percentile(lags, 99),
        maxMs: lags.reduce((a, b) => Math.max(a, b), 0),
      });
    }
    return figures;
  } finally {
    await follower.stop();
    await relay.stop();
  }
}

/**
 * Appends on a fixed schedule (a tick every 10 ms, never more than 256 in flight) a mix
 * with about ten feed rows per event, as in the replay log: 20% posts (to about 50
 * friends each), 10% post edits, 60% new friendships (with their backfill), 10% ended ones.
 */
async function offerLoad(db: BenchDatabase, rate: number, seconds: number): Promise<{ appended: number; seconds: number }> {
  const users = (await db.pool.query<{ id: string }>('SELECT id::text AS id FROM read_models.users')).rows.map((r) => r.id);
  const posts: { postId: string; authorId: string }[] = [];
  const pick = () => users[Math.floor(Math.random() * users.length)] as string;
  const next = (): { stream: string; type: HeraldEventType; data: Record<string, string> } => {
    const roll = Math.random();
    if (roll < 0.2 || posts.length === 0) {
      const post = { postId: uuid(), authorId: pick() };
      posts.push(post);
      return { stream: postStream(post.postId), type: 'PostCreated', data: { ...post, text: 'a bench post of some forty characters..' } };
    }
    const post = posts[Math.floor(Math.random() * posts.length)] as { postId: string; authorId: string };
    if (roll < 0.3) return { stream: postStream(post.postId), type: 'PostUpdated', data: { ...post, text: 'edited' } };
    const [userId, friendId] = [pick(), pick()];
    return { stream: friendshipStream(userId, friendId), type: roll < 0.9 ? 'FriendAdded' : 'FriendRemoved', data: { userId, friendId } };
  };
  const started = performance.now();
  const total = Math.round(rate * seconds);
  let issued = 0;
  let appended = 0;
  const inFlight = new Set<Promise<void>>();
  while (issued < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate));
    while (issued < due && inFlight.size < 256) {
      const { stream, type, data } = next();
      const append: Promise<void> = db.store
        .append(stream, [{ id: uuid(), type, data, metadata: { schemaVersion: 1, occurredAt: new Date().toISOString() } }])
        .then(() => { appended += 1; }, (error: unknown) => console.error('append failed', error))
        .finally(() => inFlight.delete(append));
      inFlight.add(append);
      issued += 1;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  await Promise.all(inFlight);
  return { appended, seconds: (performance.now() - started) / 1000 };
}

/** Waits for the relay to publish what earlier phases (and the seed) left in the outbox. */
async function drained(db: BenchDatabase): Promise<void> {
  for (;;) {
    const { rows } = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM read_models.outbox');
    if ((rows[0]?.n ?? 0) === 0) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function waitForEvents(count: () => number, expected: number): Promise<number> {
  const deadline = Date.now() + 120_000;
  while (count() < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return count();
}
