import { execFileSync } from 'node:child_process';
import { postNotificationSchema, postsExchangeType, type PostNotification } from '@herald/contracts';
import { createLogger } from '@herald/kit';
import { createTestDatabase, eventually, startTcpProxy, uniqueName, type TcpProxy, type TestDatabase } from '@herald/kit/testing';
import amqp from 'amqplib';
import pg from 'pg';
import { Registry } from 'prom-client';
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
let link: TcpProxy;
const exchange = uniqueName('herald.feed');
const queue = uniqueName('projections.relay.test');
const logger = createLogger('relay-test', process.env.TEST_LOG_LEVEL ?? 'silent');
const recorded = eventMaker();
/** Small, so tests cross them: 100 posts a batch, at most 200 recipients over a batch, 40 recipients a message. */
const limits = { rows: 100, recipients: 200, recipientsPerMessage: 40 };

let db: TestDatabase;
let pool: pg.Pool;
let relay: OutboxRelay | undefined;
const received: { messageId: string; body: PostNotification }[] = [];
const relayRegistry = new Registry();

/** A durable queue bound to the posts exchange, so it outlives a broker restart; its consumer reconnects by hand. */
async function consume(): Promise<amqp.ChannelModel> {
  const connection = await amqp.connect(rabbitmqUrl);
  connection.on('error', () => undefined);
  const channel = await connection.createChannel();
  channel.on('error', () => undefined);
  await channel.assertExchange(exchange, postsExchangeType, { durable: true });
  await channel.assertQueue(queue, { durable: true });
  await channel.bindQueue(queue, exchange, '');
  await channel.consume(queue, (message) => {
    if (!message) return;
    received.push({
      messageId: String(message.properties.messageId),
      body: postNotificationSchema.parse(JSON.parse(message.content.toString())),
    });
    channel.ack(message);
  });
  return connection;
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

/** `count` posts straight into the outbox, each to one of `readers` in turn: a message each. */
async function outboxRowsFor(readers: readonly string[], count: number): Promise<Set<string>> {
  const { rows } = await pool.query<{ message_id: string }>(
    `INSERT INTO ${liveSchema}.outbox (event_id, position, payload, recipients)
     SELECT 'event-' || g, lpad(g::text, 33, '0'),
            jsonb_build_object('postId', 'post-' || g, 'postText', 'post ' || g, 'author_user_id', 'author-' || g),
            ARRAY[($1::uuid[])[1 + g % cardinality($1::uuid[])]]
     FROM generate_series(1, $2::int) g
     RETURNING event_id || ':0' AS message_id`,
    [readers, count],
  );
  relay?.wake();
  return new Set(rows.map((r) => r.message_id));
}

function missing(expected: ReadonlySet<string>): number {
  const seen = new Set(received.map((m) => m.messageId));
  let count = 0;
  for (const id of expected) if (!seen.has(id)) count += 1;
  return count;
}

function rabbitmqctl(...args: string[]): void {
  execFileSync('rabbitmqctl', args, { stdio: 'ignore', timeout: 60_000 });
}

test.before(async () => {
  db = await createTestDatabase('projections_relay');
  pool = new pg.Pool({ connectionString: db.url, max: 4 });
  pool.on('error', () => undefined);
  await migrateReadModels(pool);
  // The relay's way to RabbitMQ, through a line a test can lose.
  link = await startTcpProxy(rabbitmqUrl, 5672);
  relay = startOutboxRelay({ pool, rabbitmqUrl: link.url(), exchange, limits, logger, pollIntervalMs: 50, registry: relayRegistry });
});

test.after(async () => {
  await relay?.stop();
  await link?.close();
  const connection = await amqp.connect(rabbitmqUrl);
  const channel = await connection.createChannel();
  await channel.deleteQueue(queue);
  await channel.deleteExchange(exchange);
  await connection.close();
  await pool.end();
  await db.drop();
});

test('a post is one persistent message with its recipients, whatever their number, and its row is gone once confirmed', async () => {
  const author = uuid();
  const readers = [uuid(), uuid(), uuid()];
  const connection = await consume();
  try {
    const [created] = await postToFriends(author, readers, ['hello']);
    await eventually(() => (received.length >= 1 ? true : undefined), 'the message');
    await eventually(async () => ((await outboxRows()) === 0 ? true : undefined), 'an empty outbox');
    assert.is(received.length, 1, 'one message for three friends');
    const [message] = received;
    assert.equal(message?.body.payload, { postId: (created?.data as { postId: string }).postId, postText: 'hello', author_user_id: author });
    assert.equal(message?.body.recipients, [...readers].sort());
    assert.is(message?.body.eventId, created?.id);
    assert.is(message?.body.position, created?.position);
    assert.is(message?.messageId, `${created?.id}:0`);
    assert.equal([message?.body.part, message?.body.parts], [0, 1]);
    assert.is(Date.parse(message?.body.committedAt ?? ''), created?.createdAt.getTime(), 'when the post was committed to the log');
    assert.match(await relayRegistry.metrics(), /herald_outbox_relay_lag_seconds_count 1\b/, 'its lag, timed once');
  } finally {
    await connection.close();
  }
});

test('a post with more recipients than a message holds is split into parts that name each recipient once', async () => {
  received.length = 0;
  const author = uuid();
  const readers = Array.from({ length: 450 }, () => uuid());
  const connection = await consume();
  try {
    const [created] = await postToFriends(author, readers, ['to many']);
    await eventually(async () => ((await outboxRows()) === 0 ? true : undefined), 'an empty outbox');
    await eventually(() => (received.length >= 12 ? true : undefined), 'every part');
    const parts = [...received].sort((a, b) => a.body.part - b.body.part);
    assert.equal(parts.map((m) => m.body.part), Array.from({ length: 12 }, (_, i) => i), '450 recipients, 40 a part: 12 parts');
    assert.ok(parts.every((m) => m.body.parts === 12 && m.body.eventId === created?.id && m.messageId === `${created?.id}:${m.body.part}`));
    assert.ok(parts.every((m) => m.body.recipients.length <= limits.recipientsPerMessage));
    assert.equal(parts.flatMap((m) => m.body.recipients), [...readers].sort());
  } finally {
    await connection.close();
  }
});

test('with no failure each row is published once (regression: rows were read in text order of their ids, so batches crossing 99 -> 100 overlapped)', async () => {
  received.length = 0;
  const readers = [uuid(), uuid(), uuid()];
  const connection = await consume();
  try {
    const expected = await outboxRowsFor(readers, 1050);
    await eventually(async () => ((await outboxRows()) === 0 ? true : undefined), 'an empty outbox');
    await eventually(() => (missing(expected) === 0 ? true : undefined), 'every message');
    assert.is(received.length, expected.size, 'no message twice');
  } finally {
    await connection.close();
  }
});

test('a second relay stands by: two relays on one outbox publish each row once', async () => {
  received.length = 0;
  const readers = [uuid(), uuid()];
  const second = startOutboxRelay({ pool, rabbitmqUrl, exchange, limits: { rows: 7 }, logger, pollIntervalMs: 5 });
  const connection = await consume();
  try {
    await eventually(() => (second.connected() ? true : undefined), 'the second relay connected');
    const expected = await outboxRowsFor(readers, 300);
    second.wake();
    await eventually(async () => ((await outboxRows()) === 0 ? true : undefined), 'an empty outbox');
    await eventually(() => (missing(expected) === 0 ? true : undefined), 'every message');
    assert.is(received.length, expected.size, 'no message twice');
  } finally {
    await second.stop();
    await connection.close();
  }
});

test('a confirm that never comes does not hold the relay: it drops the line and its lock, and the rows are delivered (regression: it waited forever, lock held)', async () => {
  received.length = 0;
  const readers = Array.from({ length: 5 }, () => uuid());
  const connection = await consume();
  await relay?.stop();
  // A line where the relay's writes reach the broker and nothing comes back, yet stays open (no heartbeat gives up on it for 2 minutes).
  const halfDead = await startTcpProxy(rabbitmqUrl, 5672);
  const stuck = startOutboxRelay({ pool, rabbitmqUrl: halfDead.url(), exchange, limits, logger, pollIntervalMs: 50, confirmTimeoutMs: 1000 });
  relay = stuck;
  let standby: OutboxRelay | undefined;
  try {
    const first = await outboxRowsFor(readers, 3);
    await eventually(() => (missing(first) === 0 ? true : undefined), 'the relay publishing through the line');
    halfDead.muteServer();
    standby = startOutboxRelay({ pool, rabbitmqUrl, exchange, limits, logger, pollIntervalMs: 50 });
    const expected = await outboxRowsFor(readers, 50);
    await eventually(() => (missing(expected) === 0 ? true : undefined), 'every row delivered after the confirms stopped coming', 20_000);
    await eventually(async () => ((await outboxRows()) === 0 ? true : undefined), 'an empty outbox');
  } finally {
    await stuck.stop();
    await standby?.stop();
    await halfDead.close();
    await connection.close();
    relay = startOutboxRelay({ pool, rabbitmqUrl: link.url(), exchange, limits, logger, pollIntervalMs: 50 });
  }
});

test('once the outbox has emptied and been analysed, the relay reads it by id, never by scanning every page', async () => {
  received.length = 0;
  const readers = [uuid(), uuid()];
  const connection = await consume();
  // This test's own looks go by the index too, so that every whole-table scan counted is the relay's.
  const looks = await pool.connect();
  try {
    await looks.query('SET enable_seqscan = off');
    const waiting = async () => (await looks.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${liveSchema}.outbox`)).rows[0]!.n;
    const scans = async () => (await looks.query<{ seq: string; idx: string }>(
      `SELECT seq_scan::text AS seq, idx_scan::text AS idx FROM pg_stat_user_tables WHERE schemaname = $1 AND relname = 'outbox'`, [liveSchema],
    )).rows[0]!;
    // A session reports its table statistics once idle, at most a second after its queries.
    const reported = () => new Promise((resolve) => setTimeout(resolve, 1_500));
    // Thousands of rows come and go: their pages stay, nearly empty, and ANALYZE says so.
    const many = await outboxRowsFor(readers, 5_000);
    await eventually(() => (missing(many) === 0 ? true : undefined), 'the first rows', 20_000);
    await eventually(async () => ((await waiting()) === 0 ? true : undefined), 'an empty outbox');
    await looks.query(`VACUUM ANALYZE ${liveSchema}.outbox`);
    // A fresh session, as after a restart: it plans its reads against these statistics.
    await relay?.stop();
    await reported();
    const before = await scans();
    relay = startOutboxRelay({ pool, rabbitmqUrl: link.url(), exchange, limits, logger, pollIntervalMs: 50, registry: new Registry() });
    const few = await outboxRowsFor(readers, 3);
    await eventually(() => (missing(few) === 0 ? true : undefined), 'the new rows');
    await eventually(async () => ((await waiting()) === 0 ? true : undefined), 'an empty outbox again');
    await reported();
    const after = await scans();
    assert.ok(BigInt(after.idx) > BigInt(before.idx), 'read by its index');
    assert.is(after.seq, before.seq, 'no scan of the whole outbox');
  } finally {
    looks.release();
    await connection.close();
  }
});

test('a post RabbitMQ keeps refusing is parked with the reason and counted, and the posts behind it flow', async () => {
  received.length = 0;
  const readers = Array.from({ length: 5 }, () => uuid());
  const connection = await consume();
  // A second queue on the exchange that refuses any message over 3,000 bytes (basic.nack to the relay), drained as it fills.
  const refusing = await connection.createChannel();
  const { queue: strict } = await refusing.assertQueue('', { exclusive: true, arguments: { 'x-max-length-bytes': 3000, 'x-overflow': 'reject-publish' } });
  await refusing.bindQueue(strict, exchange, '');
  await refusing.consume(strict, () => undefined, { noAck: true });
  await relay?.stop();
  const registry = new Registry();
  relay = startOutboxRelay({ pool, rabbitmqUrl: link.url(), exchange, limits, logger, pollIntervalMs: 50, registry, refusalsBeforeParking: 3 });
  try {
    const { rows } = await pool.query<{ event_id: string }>(
      `INSERT INTO ${liveSchema}.outbox (event_id, position, payload, recipients)
       VALUES ('event-too-big', lpad('1', 33, '0'), jsonb_build_object('postId', 'post-big', 'postText', repeat('x', 5000), 'author_user_id', 'author-big'), ARRAY[$1::uuid])
       RETURNING event_id`,
      [readers[0]],
    );
    assert.is(rows.length, 1);
    const behind = await outboxRowsFor(readers, 30);
    await eventually(() => (missing(behind) === 0 ? true : undefined), 'the posts behind the refused one');
    const parked = await eventually(async () => {
      const { rows: found } = await pool.query<{ event_id: string; reason: string }>(`SELECT event_id, reason FROM ${liveSchema}.outbox_parked`);
      return found.length > 0 ? found : undefined;
    }, 'the refused post parked');
    assert.equal(parked.map((p) => p.event_id), ['event-too-big']);
    assert.match(parked[0]!.reason, /refused by RabbitMQ/);
    assert.is(await outboxRows(), 0, 'nothing left blocking the outbox');
    const metrics = await registry.metrics();
    assert.match(metrics, /herald_outbox_parked_total 1\b/);
    assert.match(metrics, /herald_outbox_refused_total 3\b/);
  } finally {
    await pool.query(`DELETE FROM ${liveSchema}.outbox_parked`);
    await connection.close();
  }
});

test('notifications written while RabbitMQ is down are delivered once it is back', async () => {
  received.length = 0;
  const author = uuid();
  const reader = uuid();
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
    // At least once: a duplicate may arrive, so wait for every post rather than for 250 messages.
    const delivered = () => new Set(received.map((m) => (m.body.kind === 'post.created' ? m.body.payload.postText : '')));
    await eventually(() => (delivered().size >= 250 ? true : undefined), 'every post after the restart', 60_000);
    assert.equal([...delivered()].sort(), [...texts].sort());
    await eventually(async () => ((await outboxRows()) === 0 ? true : undefined), 'an empty outbox');
  } finally {
    await connection.close();
  }
});

test('a connection lost with several batches in flight, their messages never at the broker: each row still arrives', async () => {
  received.length = 0;
  const readers = Array.from({ length: 50 }, () => uuid());
  const connection = await consume();
  try {
    const expected = await outboxRowsFor(readers, 20_000);
    await eventually(() => (received.length >= 2000 ? true : undefined), 'the relay under way', 60_000);
    await link.lose(300);
    assert.ok((await outboxRows()) > 0, 'the line went down mid-stream, rows still waiting');
    await eventually(() => (missing(expected) === 0 ? true : undefined), 'every row delivered after the reconnect', 120_000);
    await eventually(async () => ((await outboxRows()) === 0 ? true : undefined), 'an empty outbox');
  } finally {
    await connection.close();
  }
});

test('a RabbitMQ restart with several batches in flight loses no row: each is delivered at least once and the outbox empties', async () => {
  received.length = 0;
  const readers = Array.from({ length: 50 }, () => uuid());
  let connection = await consume();
  const expected = await outboxRowsFor(readers, 40_000);
  try {
    await eventually(() => (received.length >= 2000 ? true : undefined), 'the relay under way', 60_000);
    rabbitmqctl('stop_app');
    assert.ok((await outboxRows()) > 0, 'the broker went away mid-stream, rows still waiting');
  } finally {
    rabbitmqctl('start_app');
  }
  await connection.close().catch(() => undefined);
  connection = await eventually(() => consume(), 'a consumer after the restart', 60_000);
  try {
    await eventually(() => (missing(expected) === 0 ? true : undefined), 'every row delivered after the restart', 120_000);
    await eventually(async () => ((await outboxRows()) === 0 ? true : undefined), 'an empty outbox');
  } finally {
    await connection.close();
  }
});

test.run();
