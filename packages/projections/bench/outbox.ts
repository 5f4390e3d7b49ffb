import { postsExchangeType } from '@herald/contracts';
import { createLogger } from '@herald/kit';
import { uniqueName } from '@herald/kit/testing';
import amqp from 'amqplib';
import { Registry } from 'prom-client';
import { v7 as uuid } from 'uuid';
import { applyBatch } from '../src/apply.js';
import { defaultBatchLimits, startOutboxRelay } from '../src/outbox/relay.js';
import { projections } from '../src/projections/list.js';
import { liveSchema } from '../src/schema.js';
import { eventMaker } from '../src/testing.js';
import type { BenchDatabase } from './setup.js';

export interface OutboxFigures extends Record<string, number> {
  friendsPerPost: number;
  rowsPerPost: number;
  posts: number;
  publishedPostsPerSec: number;
  publishedRecipientsPerSec: number;
  baselinePostsPerSec: number;
}

const friends = 50;
const inFlightBatches = 4;
const text = 'a bench post of some forty characters..';

/**
 * The outbox at 50 friends a post: how many rows the projection writes per post, then
 * the relay draining `posts` such rows (each one message naming 50 recipients) to a
 * consumer queue, against a raw confirm-channel publish of as many messages of the same
 * bodies, in batches of the same size with as many in flight, with no database.
 */
export async function outboxBench(db: BenchDatabase, posts: number, rabbitmqUrl: string): Promise<OutboxFigures> {
  const rowsPerPost = await measureRowsPerPost(db);
  const exchange = uniqueName('herald.posts.bench');
  const connection = await amqp.connect(rabbitmqUrl);
  const channel = await connection.createChannel();
  await channel.assertExchange(exchange, postsExchangeType, { durable: true });
  const { queue } = await channel.assertQueue('', { exclusive: true });
  await channel.bindQueue(queue, exchange, '');
  await channel.consume(queue, () => undefined, { noAck: true });
  try {
    console.log(`outbox: writing ${posts} outbox rows of ${friends} recipients`);
    await db.pool.query(`TRUNCATE ${liveSchema}.outbox`);
    await db.pool.query(`INSERT INTO ${liveSchema}.outbox (event_id, position, payload, recipients)
      SELECT gen_random_uuid()::text, lpad(to_hex(g), 33, '0'),
             jsonb_build_object('postId', gen_random_uuid()::text, 'postText', '${text}', 'author_user_id', gen_random_uuid()::text),
             ARRAY(SELECT gen_random_uuid() FROM generate_series(1, ${friends}) WHERE g > 0)
      FROM generate_series(1, $1::int) g`, [posts]);
    const started = performance.now();
    const registry = new Registry();
    const relay = startOutboxRelay({ pool: db.pool, rabbitmqUrl, exchange, inFlightBatches, logger: createLogger('bench-outbox', 'warn'), registry, pollIntervalMs: 20 });
    // The relay's own count of confirmed and deleted rows: polling count(*) would load the database it measures.
    while (((await registry.getSingleMetric('herald_outbox_published_total')?.get())?.values[0]?.value ?? 0) < posts) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const seconds = (performance.now() - started) / 1000;
    await relay.stop();
    const { rows } = await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${liveSchema}.outbox`);
    if (rows[0]?.n !== 0) throw new Error(`the relay counted ${posts} rows relayed, but ${rows[0]?.n} remain`);
    console.log(`outbox: ${posts} posts relayed in ${seconds.toFixed(1)} s; raw publish baseline`);
    const baseline = await rawPublish(rabbitmqUrl, exchange, posts);
    return {
      friendsPerPost: friends, rowsPerPost, posts,
      publishedPostsPerSec: posts / seconds, publishedRecipientsPerSec: (posts * friends) / seconds, baselinePostsPerSec: baseline,
    };
  } finally {
    await channel.deleteExchange(exchange).catch(() => undefined);
    await connection.close();
  }
}

/** Projects 1,000 posts of an author with 50 friends, as the live projector does, and counts the outbox rows. */
async function measureRowsPerPost(db: BenchDatabase): Promise<number> {
  const recorded = eventMaker();
  const author = uuid();
  const befriend = Array.from({ length: friends }, () => recorded('FriendAdded', { userId: author, friendId: uuid() }));
  const created = Array.from({ length: 1000 }, () => recorded('PostCreated', { postId: uuid(), authorId: author, text }));
  const target = { schema: liveSchema, projections, live: true };
  await applyBatch(db.pool, target, befriend);
  for (let at = 0; at < created.length; at += 100) await applyBatch(db.pool, target, created.slice(at, at + 100));
  const { rows } = await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${liveSchema}.outbox`);
  return (rows[0]?.n ?? 0) / created.length;
}

/** Batches as the relay makes them, each confirmed by its own callbacks, `inFlightBatches` at once: the relay's publishing without the outbox. */
async function rawPublish(url: string, exchange: string, posts: number): Promise<number> {
  const connection = await amqp.connect(url);
  try {
    const channel = await connection.createConfirmChannel();
    const recipients = Array.from({ length: friends }, () => uuid());
    const body = JSON.stringify({ eventId: uuid(), position: '0'.repeat(33), payload: { postId: uuid(), postText: text, author_user_id: uuid() }, recipients, part: 0, parts: 1 });
    const batchSize = Math.min(defaultBatchLimits.rows, Math.floor(defaultBatchLimits.recipients / friends));
    const inFlight = new Set<Promise<void>>();
    const started = performance.now();
    for (let sent = 0; sent < posts; sent += batchSize) {
      const count = Math.min(posts, sent + batchSize) - sent;
      let confirm: (error: Error | null) => void = () => undefined;
      const confirmed = new Promise<void>((resolve, reject) => {
        let waiting = count;
        confirm = (error) => (error ? reject(error) : (waiting -= 1) === 0 && resolve());
      });
      for (let i = sent; i < sent + count; i += 1) {
        const accepted = channel.publish(exchange, 'post', Buffer.from(body), { persistent: true, contentType: 'application/json', messageId: `${i}:0` }, confirm);
        if (!accepted) await new Promise((r) => channel.once('drain', r));
      }
      const tracked: Promise<void> = confirmed.finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
      while (inFlight.size >= inFlightBatches) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    return posts / ((performance.now() - started) / 1000);
  } finally {
    await connection.close();
  }
}
