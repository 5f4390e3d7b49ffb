import { userStream } from '@herald/contracts';
import { createEventStore, migrateEventStore, type EventStore } from '@herald/eventstore';
import { createLogger, loadConfig } from '@herald/kit';
import { createTestDatabase, uniqueName, type TestDatabase } from '@herald/kit/testing';
import pg from 'pg';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { v7 as uuid } from 'uuid';
import { migrateReadModels } from './migrate.js';
import { startProjector } from './projector.js';
import { liveSchema } from './schema.js';
import { settings } from './settings.js';
import { appendEvent } from './testing.js';

/**
 * After a restore, the projector must not run on a log whose positions no longer
 * match its checkpoints: it would skip events without a word. It refuses to start,
 * saying why and what to do. (RabbitMQ is never reached: the refusal comes first.)
 */
let db: TestDatabase;
let pool: pg.Pool;
let store: EventStore;

const start = () => startProjector(
  loadConfig(settings, { DATABASE_URL: db.url, PROJECTOR_HOST: '127.0.0.1', PROJECTOR_PORT: '0', REDIS_KEY_PREFIX: `${uniqueName('herald-test.projector')}:`, RABBITMQ_URL: 'amqp://guest:guest@127.0.0.1:1' }),
  { logger: createLogger('projector-test', 'silent') },
);

async function refusal(): Promise<Error> {
  try {
    const projector = await start();
    await projector.stop();
  } catch (error) {
    return error as Error;
  }
  throw new Error('the projector started');
}

test.before(async () => {
  db = await createTestDatabase('projections_restore');
  pool = new pg.Pool({ connectionString: db.url, max: 2 });
  await migrateEventStore(pool);
  await migrateReadModels(pool);
  store = createEventStore({ databaseUrl: db.url });
});

test.after(async () => {
  await store.close();
  await pool.end();
  await db.drop();
});

test('the projector refuses to start while a checkpoint is ahead of the log\'s head (read models from a later backup than the log)', async () => {
  const userId = uuid();
  await appendEvent(store, userStream(userId), 'UserRegistered', {
    userId, firstName: 'Rip', secondName: 'Winkle', birthdate: '1970-01-01', biography: 'slept', city: 'Catskill', passwordHash: 'scrypt$x',
  });
  const ahead = 'ffffffff00000000-00000000000fffff';
  await pool.query(
    `INSERT INTO ${liveSchema}.projection_checkpoints (projection, version, position) VALUES ('users', 1, $1)
     ON CONFLICT (projection) DO UPDATE SET position = EXCLUDED.position`,
    [ahead],
  );
  const error = await refusal();
  assert.match(error.message, /ahead of the event log's head/);
  assert.match(error.message, `users at ${ahead}`);
  assert.match(error.message, /replay/);
  await pool.query(`DELETE FROM ${liveSchema}.projection_checkpoints WHERE projection = 'users'`);
});

test('the projector refuses to start on a log restored onto a cluster whose transaction ids are behind it', async () => {
  await pool.query(`INSERT INTO streams (stream_id, revision) VALUES ('restored-1', 0)`);
  await pool.query(`INSERT INTO events (transaction_id, stream_id, revision, event_id, type, data, metadata)
    VALUES ((pg_snapshot_xmax(pg_current_snapshot())::text::numeric + 4294967296 + 5)::text::xid8, 'restored-1', 0, gen_random_uuid(), 'Happened', '{}', 'null')`);
  const error = await refusal();
  assert.match(error.message, /restored onto another cluster/);
  assert.match(error.message, /pg_resetwal -e \d+/);
});

test.run();
