import { friendshipStream, postStream, postsExchangeType } from '@herald/contracts';
import { createEventStore, migrateEventStore, type EventStore } from '@herald/eventstore';
import { createLogger, loadConfig } from '@herald/kit';
import { createTestDatabase, eventually, uniqueName, type TestDatabase } from '@herald/kit/testing';
import amqp from 'amqplib';
import pg from 'pg';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { v7 as uuid } from 'uuid';
import { startProjector, type Projector } from '../projector.js';
import { createReadModelQueries } from '../queries.js';
import { settings } from '../settings.js';
import { appendEvent } from '../testing.js';

const rabbitmqUrl = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const exchange = uniqueName('herald.feed');
let db: TestDatabase;
let pool: pg.Pool;
let store: EventStore;
let projector: Projector | undefined;
let connection: Awaited<ReturnType<typeof amqp.connect>>;

test.before(async () => {
  db = await createTestDatabase('projections_first_start');
  pool = new pg.Pool({ connectionString: db.url, max: 2 });
  pool.on('error', () => undefined);
  await migrateEventStore(pool);
  store = createEventStore({ databaseUrl: db.url });
  connection = await amqp.connect(rabbitmqUrl);
});

test.after(async () => {
  await projector?.stop();
  await store.close();
  await (await connection.createChannel()).deleteExchange(exchange);
  await connection.close();
  await pool.end();
  await db.drop();
});

async function start(): Promise<Projector> {
  const config = loadConfig(settings, { DATABASE_URL: db.url, PROJECTOR_HOST: '127.0.0.1', PROJECTOR_PORT: '0', REDIS_KEY_PREFIX: `${uniqueName('herald-test.projector')}:`, FEED_EXCHANGE: exchange, RABBITMQ_URL: rabbitmqUrl });
  return startProjector(config, { logger: createLogger('projector-test', 'silent') });
}

function post(authorId: string, text: string) {
  const postId = uuid();
  return appendEvent(store, postStream(postId), 'PostCreated', { postId, authorId, text });
}

test('a first start on a log with history builds the feeds from it but notifies only posts appended since', async () => {
  const [author, reader] = [uuid(), uuid()];
  const channel = await connection.createChannel();
  await channel.assertExchange(exchange, postsExchangeType, { durable: true });
  const { queue } = await channel.assertQueue('', { exclusive: true });
  await channel.bindQueue(queue, exchange, '');
  const notified: string[] = [];
  await channel.consume(queue, (m) => m && notified.push(JSON.parse(m.content.toString()).payload.postText), { noAck: true });

  await appendEvent(store, friendshipStream(author, reader), 'FriendAdded', { userId: author, friendId: reader });
  await post(author, 'old one');
  const history = await post(author, 'old two');
  projector = await start();
  const queries = createReadModelQueries(pool);
  // Its outbox starts where the log stood when the projector began to follow it.
  assert.is(await queries.waitForPosition(history.position, 15_000), true);
  const { position } = await post(author, 'new');
  assert.is(await queries.waitForPosition(position, 15_000), true);
  assert.equal((await queries.getFeed(reader, 0, 10)).map((p) => p.text), ['new', 'old two', 'old one'], 'the feed holds the history');
  // The relay publishes in log order: once the new post is in, an old one would have been too.
  await eventually(() => (notified.includes('new') ? true : undefined), 'the new post notified', 15_000);
  assert.equal(notified, ['new'], 'history notifies nobody');

  await projector.stop();
  await post(author, 'while stopped');
  projector = await start();
  await eventually(() => (notified.includes('while stopped') ? true : undefined), 'a post appended while stopped notified after the restart', 15_000);
  assert.equal(notified, ['new', 'while stopped'], 'a restart keeps the outbox checkpoint');
});

test.run();
