import { execFileSync } from 'node:child_process';
import { feedNotificationSchema, type FeedNotification } from '@herald/contracts';
import { createLogger } from '@herald/kit';
import { createTestDatabase, eventually, uniqueName, type TestDatabase } from '@herald/kit/testing';
import amqp from 'amqplib';
import pg from 'pg';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { v7 as uuid } from 'uuid';
import { applyBatch } from '../apply.js';
import { migrateReadModels } from '../migrate.js';
import { projections } from '../projections/list.js';
import { liveSchema } from '../schema.js';
import { eventMaker } from '../testing.js';
import { startOutboxRelay, type OutboxRelay } from './relay.js';

const rabbitmqUrl = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const exchange = uniqueName('herald.feed');
const queue = uniqueName('projections.relay.test');
const logger = createLogger('relay-test', process.env.TEST_LOG_LEVEL ?? 'silent');
const recorded = eventMaker();

let db: TestDatabase;
let pool: pg.Pool;
let relay: OutboxRelay | undefined;
const received: { routingKey: string; messageId: string; body: FeedNotification }[] = [];

/** A durable queue, so it outlives a broker restart; its consumer reconnects by hand. */
async function consume(): Promise<amqp.ChannelModel> {
  const connection = await amqp.connect(rabbitmqUrl);
  connection.on('error', () => undefined);
  const channel = await connection.createChannel();
  channel.on('error', () => undefined);
  await channel.assertExchange(exchange, 'direct', { durable: true });
  await channel.assertQueue(queue, { durable: true });
  await channel.consume(queue, (message) => {
    if (!message) return;
    received.push({
      routingKey: message.fields.routingKey,
      messageId: String(message.properties.messageId),
      body: feedNotificationSchema.parse(JSON.parse(message.content.toString())),
    });
    channel.ack(message);
  });
  return connection;
}

async function bind(readers: readonly string[]): Promise<void> {
  const connection = await amqp.connect(rabbitmqUrl);
  const channel = await connection.createChannel();
  await channel.assertExchange(exchange, 'direct', { durable: true });
  await channel.assertQueue(queue, { durable: true });
  for (const reader of readers) await channel.bindQueue(queue, exchange, `user.${reader}`);
  await connection.close();
}

async function postToFriends(author: string, readers: readonly string[], texts: readonly string[]) {
  const events = [...readers.map((r) => recorded('FriendAdded', { userId: author, friendId: r })),
    ...texts.map((text) => recorded('PostCreated', { postId: uuid(), authorId: author, text }))];
  await applyBatch(pool, { schema: liveSchema, projections, live: true }, events);
  relay?.wake();
  return events.filter((e) => e.type === 'PostCreated');
}

async function outboxRows(): Promise<number> {
  const { rows } = await pool.query(`SELECT count(*)::int AS n FROM ${liveSchema}.outbox`);
  return rows[0].n;
}

function rabbitmqctl(...args: string[]): void {
  execFileSync('rabbitmqctl', args, { stdio: 'ignore', timeout: 60_000 });
}

test.before(async () => {
  db = await createTestDatabase('projections_relay');
  pool = new pg.Pool({ connectionString: db.url, max: 4 });
  pool.on('error', () => undefined);
  await migrateReadModels(pool);
  relay = startOutboxRelay({ pool, rabbitmqUrl, exchange, batchSize: 100, logger, pollIntervalMs: 50 });
});

test.after(async () => {
  await relay?.stop();
  const connection = await amqp.connect(rabbitmqUrl);
  const channel = await connection.createChannel();
  await channel.deleteQueue(queue);
  await channel.deleteExchange(exchange);
  await connection.close();
  await pool.end();
  await db.drop();
});

test('each friend gets one persistent message per post, and the rows are gone once confirmed', async () => {
  const author = uuid();
  const readers = [uuid(), uuid()];
  await bind(readers);
  const connection = await consume();
  try {
    const [created] = await postToFriends(author, readers, ['hello']);
    await eventually(() => (received.length >= 2 ? true : undefined), 'two messages');
    const sorted = [...received].sort((a, b) => a.routingKey.localeCompare(b.routingKey));
    assert.equal(sorted.map((m) => m.routingKey), readers.map((r) => `user.${r}`).sort());
    const payload = received[0]?.body.payload;
    assert.equal(payload, { postId: (created?.data as { postId: string }).postId, postText: 'hello', author_user_id: author });
    assert.is(received[0]?.body.eventId, created?.id);
    assert.is(received[0]?.body.position, created?.position);
    assert.ok(received.every((m) => m.messageId.startsWith(`${created?.id}:`)));
    await eventually(async () => ((await outboxRows()) === 0 ? true : undefined), 'an empty outbox');
  } finally {
    await connection.close();
  }
});

test('notifications written while RabbitMQ is down are delivered once it is back', async () => {
  received.length = 0;
  const author = uuid();
  const reader = uuid();
  await bind([reader]);
  const texts = Array.from({ length: 250 }, (_, i) => `post ${i}`);
  try {
    rabbitmqctl('stop_app');
    await postToFriends(author, [reader], texts);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.is(await outboxRows(), 250, 'nothing is deleted while the broker is away');
  } finally {
    rabbitmqctl('start_app');
  }
  const connection = await eventually(() => consume(), 'a consumer after the restart', 60_000);
  try {
    await eventually(() => (received.length >= 250 ? true : undefined), 'every post after the restart', 60_000);
    const delivered = new Set(received.map((m) => m.body.payload.postText));
    assert.equal([...delivered].sort(), [...texts].sort());
    await eventually(async () => ((await outboxRows()) === 0 ? true : undefined), 'an empty outbox');
  } finally {
    await connection.close();
  }
});

test.run();
