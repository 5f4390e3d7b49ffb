import { randomUUID } from 'node:crypto';
import { createEventStore, migrateEventStore, type EventStore } from '@herald/eventstore';
import { createLogger, loadConfig } from '@herald/kit';
import { createTestDatabase, eventually, uniqueName, type TestDatabase } from '@herald/kit/testing';
import { createProjections, settings, startProjector, type StatusReport } from '@herald/projections';
import amqp from 'amqplib';
import pg from 'pg';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { herald, smallLog, visible } from '../testing.js';

const rabbitmqUrl = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const exchange = uniqueName('herald.feed');
let db: TestDatabase;
let store: EventStore;
let pool: pg.Pool;
let env: { DATABASE_URL: string };

type Row = StatusReport['projections'][number];
/** Each projection's version in the code. */
const inCode = Object.fromEntries(createProjections({ feedFanoutLimit: 1000 }).map((p) => [p.name, p.version]));

async function status(): Promise<{ head: string; projections: Record<string, Row> }> {
  const { code, stdout, stderr } = await herald(['projections', 'status', '--json'], env);
  assert.is(code, 0, stderr);
  const report = JSON.parse(stdout) as { head: string; projections: Row[] };
  return { head: report.head, projections: Object.fromEntries(report.projections.map((p) => [p.projection, p])) };
}

/** Brings the read models to the head, as the projector would, without one running. */
async function rebuilt(): Promise<void> {
  const { code, stderr } = await herald(['rebuild', '--json'], env);
  assert.is(code, 0, stderr);
}

test.before(async () => {
  db = await createTestDatabase('cli_projections');
  await migrateEventStore(db.url);
  store = createEventStore({ databaseUrl: db.url });
  pool = new pg.Pool({ connectionString: db.url, max: 2 });
  await smallLog(store);
  env = { DATABASE_URL: db.url };
});

test.after(async () => {
  await store.close();
  await pool.end();
  const connection = await amqp.connect(rabbitmqUrl);
  await (await connection.createChannel()).deleteExchange(exchange);
  await connection.close();
  await db.drop();
});

test('before any read model exists, status says how to make them: exit 1', async () => {
  const { code, stderr } = await herald(['projections', 'status'], env);
  assert.is(code, 1);
  assert.match(stderr, 'start the projector, or run make migrate');
});

test('caught up: each projection at the head, of the code\'s version, no lag; the outbox not started', async () => {
  await rebuilt();
  const { head, projections } = await status();
  for (const name of ['users', 'friendships', 'feeds', 'posts']) {
    assert.equal(projections[name]?.version, { code: inCode[name], live: inCode[name] }, name);
    assert.is(projections[name]?.checkpoint, head, name);
    assert.equal(projections[name]?.lag, { events: 0, atLeast: false, seconds: 0 }, name);
    assert.is(projections[name]?.lastProblem, null, name);
  }
  assert.is(projections.outbox?.lag, null, 'the outbox starts at the head on its first start');
});

test('lag counts the events after the checkpoint, and how long the oldest has waited', async () => {
  await rebuilt();
  const metadata = { schemaVersion: 1, occurredAt: new Date().toISOString() };
  const posts = Array.from({ length: 3 }, () => randomUUID());
  let last = '';
  for (const postId of posts) {
    last = (await store.append(`post-${postId}`, [{ id: randomUUID(), type: 'PostCreated', data: { postId, authorId: randomUUID(), text: 'late' }, metadata }])).position;
  }
  await visible(store, last);
  const { projections } = await status();
  assert.is(projections.posts?.lag?.events, 3);
  assert.ok((projections.posts?.lag?.seconds ?? -1) >= 0);
});

test('the table for people names every projection with its checkpoint and lag', async () => {
  await rebuilt();
  const { code, stdout } = await herald(['projections', 'status'], env);
  assert.is(code, 0);
  const lines = stdout.trim().split('\n');
  assert.match(lines[0] ?? '', /^log head: [0-9a-f]{16}-[0-9a-f]{16}$/);
  assert.match(lines[1] ?? '', /^projection\s+version\s+checkpoint\s+lag\s+last problem$/);
  assert.match(stdout, new RegExp(`\\nfeeds\\s+${inCode.feeds}\\s+[0-9a-f]{16}-[0-9a-f]{16}\\s+0 events\\s+-\\n`));
  assert.match(stdout, new RegExp(`\\noutbox\\s+${inCode.outbox}\\s+\\(none yet\\)\\s+not started\\s+-\\n`));
});

test('a projection whose live tables another version wrote shows both versions until it is rebuilt', async () => {
  await pool.query(`UPDATE read_models.projection_checkpoints SET version = 0 WHERE projection = 'users'`);
  const { projections } = await status();
  assert.equal(projections.users?.version, { code: 1, live: 0 });
  const { stdout } = await herald(['projections', 'status'], env);
  assert.match(stdout, /\nusers\s+0 \(code 1: waiting for the projector to build it\)/);
  await rebuilt();
  assert.equal((await status()).projections.users?.version, { code: 1, live: 1 });
});

test("an event the live projector skipped is the projection's last problem", async () => {
  const config = loadConfig(settings, {
    DATABASE_URL: db.url, PROJECTOR_HOST: '127.0.0.1', PROJECTOR_PORT: '0', REDIS_KEY_PREFIX: `${uniqueName('herald-test.cli-status')}:`, FEED_EXCHANGE: exchange, RABBITMQ_URL: rabbitmqUrl,
  });
  const projector = await startProjector(config, { logger: createLogger('cli-status-test', 'silent') });
  try {
    const userId = randomUUID();
    const bad = await store.append(`user-${userId}`, [{ id: randomUUID(), type: 'UserRegistered', data: { userId }, metadata: { schemaVersion: 1, occurredAt: new Date().toISOString() } }]);
    const problem = await eventually(async () => (await status()).projections.users?.lastProblem ?? undefined, 'the skipped event in the status', 20_000);
    assert.equal([problem.kind, problem.type, problem.position], ['skipped', 'UserRegistered', bad.position]);
    assert.match(problem.message, 'bad UserRegistered payload');
    const { stdout } = await herald(['projections', 'status'], env);
    assert.match(stdout, `skipped UserRegistered at ${bad.position}: bad UserRegistered payload`);
  } finally {
    await projector.stop();
  }
});

test.run();
