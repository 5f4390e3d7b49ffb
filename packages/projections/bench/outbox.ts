import { createLogger } from '@herald/kit';
import { uniqueName } from '@herald/kit/testing';
import amqp from 'amqplib';
import { Registry } from 'prom-client';
import { startOutboxRelay } from '../src/outbox/relay.js';
import type { BenchDatabase } from './setup.js';

export interface OutboxFigures extends Record<string, number> {
  messages: number;
  publishedPerSec: number;
  baselinePublishedPerSec: number;
}

const readers = 1000;
const batchSize = 5000;
const inFlightBatches = 4;
const reader = (i: number) => `00000000-0000-4000-8000-${(i % readers).toString(16).padStart(12, '0')}`;

/**
 * The relay draining an outbox of `messages` rows to a queue bound for 1000 readers,
 * against a raw confirm-channel publish of as many messages of the same size, in
 * batches of the same size with as many in flight, with no database.
 */
export async function outboxBench(db: BenchDatabase, messages: number, rabbitmqUrl: string): Promise<OutboxFigures> {
  const exchange = uniqueName('herald.feed.bench');
  const connection = await amqp.connect(rabbitmqUrl);
  const channel = await connection.createChannel();
  await channel.assertExchange(exchange, 'direct', { durable: true });
  const { queue } = await channel.assertQueue('', { exclusive: true });
  for (let i = 0; i < readers; i += 1) await channel.bindQueue(queue, exchange, `user.${reader(i)}`);
  let received = 0;
  await channel.consume(queue, () => { received += 1; }, { noAck: true });
  try {
    console.log(`outbox: writing ${messages} outbox rows`);
    await db.pool.query(`INSERT INTO read_models.outbox (event_id, position, reader_id, routing_key, payload)
      SELECT gen_random_uuid()::text, lpad(to_hex(g), 33, '0'), r.id, 'user.' || r.id::text,
             jsonb_build_object('postId', gen_random_uuid()::text, 'postText', 'a bench post of some forty characters..', 'author_user_id', r.id::text)
      FROM generate_series(1, $1::int) g
      CROSS JOIN LATERAL (SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(g % ${readers}), 12, '0'))::uuid AS id) r`, [messages]);
    const started = performance.now();
    const registry = new Registry();
    const relay = startOutboxRelay({ pool: db.pool, rabbitmqUrl, exchange, batchSize, inFlightBatches, logger: createLogger('bench-outbox', 'warn'), registry, pollIntervalMs: 20 });
    // The relay's own count of confirmed and deleted rows: polling count(*) would load the database it measures.
    while (((await registry.getSingleMetric('herald_outbox_published_total')?.get())?.values[0]?.value ?? 0) < messages) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const seconds = (performance.now() - started) / 1000;
    await relay.stop();
    const { rows } = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM read_models.outbox');
    if (rows[0]?.n !== 0) throw new Error(`the relay counted ${messages} rows relayed, but ${rows[0]?.n} remain`);
    console.log(`outbox: ${messages} messages relayed in ${seconds.toFixed(1)} s (${received} consumed so far); raw publish baseline`);
    const baseline = await rawPublish(rabbitmqUrl, exchange, messages);
    return { messages, publishedPerSec: messages / seconds, baselinePublishedPerSec: baseline };
  } finally {
    await channel.deleteExchange(exchange).catch(() => undefined);
    await connection.close();
  }
}

/** Batches of `batchSize`, each confirmed by its own callbacks, `inFlightBatches` at once: the relay's publishing without the outbox. */
async function rawPublish(url: string, exchange: string, messages: number): Promise<number> {
  const connection = await amqp.connect(url);
  try {
    const channel = await connection.createConfirmChannel();
    const body = JSON.stringify({ eventId: '01a228de-8a7a-7228-9af9-6f24f72d41b1', position: '0'.repeat(33),
      payload: { postId: '01a228de-8a7a-7228-9af9-6f24f72d41b1', postText: 'a bench post of some forty characters..', author_user_id: reader(1) } });
    const inFlight = new Set<Promise<void>>();
    const started = performance.now();
    for (let sent = 0; sent < messages; sent += batchSize) {
      const count = Math.min(messages, sent + batchSize) - sent;
      let confirm: (error: unknown) => void = () => undefined;
      const confirmed = new Promise<void>((resolve, reject) => {
        let waiting = count;
        confirm = (error) => (error ? reject(error) : (waiting -= 1) === 0 && resolve());
      });
      for (let i = sent; i < sent + count; i += 1) {
        const accepted = channel.publish(exchange, `user.${reader(i)}`, Buffer.from(body), { persistent: true, contentType: 'application/json', messageId: `${i}` }, confirm);
        if (!accepted) await new Promise((r) => channel.once('drain', r));
      }
      const tracked: Promise<void> = confirmed.finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
      while (inFlight.size >= inFlightBatches) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    return messages / ((performance.now() - started) / 1000);
  } finally {
    await connection.close();
  }
}
