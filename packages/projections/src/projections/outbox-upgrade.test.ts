import { createTestDatabase, type TestDatabase } from '@herald/kit/testing';
import pg from 'pg';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { migrateReadModels } from '../migrate.js';
import { liveSchema } from '../schema.js';

let db: TestDatabase;
let pool: pg.Pool;

test.before(async () => {
  db = await createTestDatabase('projections_outbox_upgrade');
  pool = new pg.Pool({ connectionString: db.url, max: 2 });
});

test.after(async () => {
  await pool.end();
  await db.drop();
});

test('upgrading from one outbox row per reader keeps every waiting notification, as one row per post in the old order', async () => {
  const [a, b, c] = ['00000000-0000-4000-8000-00000000000a', '00000000-0000-4000-8000-00000000000b', '00000000-0000-4000-8000-00000000000c'];
  // The live schema as version 1 of the outbox left it, with notifications not yet relayed.
  await pool.query(`
    CREATE SCHEMA ${liveSchema};
    CREATE TABLE ${liveSchema}.outbox (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, event_id text NOT NULL, position text NOT NULL,
      reader_id uuid NOT NULL, routing_key text NOT NULL, payload jsonb NOT NULL);
    INSERT INTO ${liveSchema}.outbox (event_id, position, reader_id, routing_key, payload) VALUES
      ('e1', '0001', '${b}', 'user.${b}', '{"postId": "p1", "postText": "one", "author_user_id": "${a}"}'),
      ('e1', '0001', '${c}', 'user.${c}', '{"postId": "p1", "postText": "one", "author_user_id": "${a}"}'),
      ('e2', '0002', '${a}', 'user.${a}', '{"postId": "p2", "postText": "two", "author_user_id": "${b}"}');
    CREATE TABLE schema_migrations (owner text NOT NULL, id text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (owner, id));
    INSERT INTO schema_migrations (owner, id) VALUES ('projections', 'outbox-v1');`);
  const applied = await migrateReadModels(pool);
  assert.ok(applied.includes('outbox-v4'), applied.join());
  const { rows } = await pool.query(`SELECT event_id, position, kind, payload->>'postText' AS text, recipients::text[] AS recipients FROM ${liveSchema}.outbox ORDER BY id`);
  assert.equal(rows, [
    { event_id: 'e1', position: '0001', kind: 'post.created', text: 'one', recipients: [b, c] },
    { event_id: 'e2', position: '0002', kind: 'post.created', text: 'two', recipients: [a] },
  ]);
  const leftovers = await pool.query(`SELECT to_regclass('${liveSchema}.outbox_v1') AS old`);
  assert.is(leftovers.rows[0].old, null, 'the old table is gone');
  assert.equal(await migrateReadModels(pool), [], 'migrated once: the ledger now names version 4');
});

test('an outbox recorded at version 1 in its checkpoint is migrated in place, keeping its checkpoint, and recorded at version 4', async () => {
  const [a, b] = ['00000000-0000-4000-8000-0000000000a1', '00000000-0000-4000-8000-0000000000b1'];
  // The live schema as this code's installation leaves it, with the outbox as version 1 wrote it.
  await pool.query(`
    DROP TABLE ${liveSchema}.outbox;
    CREATE TABLE ${liveSchema}.outbox (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, event_id text NOT NULL, position text NOT NULL,
      reader_id uuid NOT NULL, routing_key text NOT NULL, payload jsonb NOT NULL);
    INSERT INTO ${liveSchema}.outbox (event_id, position, reader_id, routing_key, payload) VALUES
      ('e3', '0003', '${b}', 'user.${b}', '{"postId": "p3", "postText": "three", "author_user_id": "${a}"}');
    INSERT INTO ${liveSchema}.projection_checkpoints (projection, version, position) VALUES ('outbox', 1, '0003')
      ON CONFLICT (projection) DO UPDATE SET version = 1, position = '0003';`);
  assert.equal(await migrateReadModels(pool), ['outbox-v4']);
  const { rows } = await pool.query(`SELECT event_id, kind, payload->>'postText' AS text, recipients::text[] AS recipients FROM ${liveSchema}.outbox`);
  assert.equal(rows, [{ event_id: 'e3', kind: 'post.created', text: 'three', recipients: [b] }]);
  const checkpoint = await pool.query(`SELECT version, position FROM ${liveSchema}.projection_checkpoints WHERE projection = 'outbox'`);
  assert.equal(checkpoint.rows, [{ version: 4, position: '0003' }]);
  assert.equal(await migrateReadModels(pool), [], 'once');
});

test('an outbox of version 2 (one row per post, no kind) keeps its waiting rows, ids and checkpoint: each is a new post', async () => {
  const [a, b] = ['00000000-0000-4000-8000-0000000000a2', '00000000-0000-4000-8000-0000000000b2'];
  await pool.query(`
    DROP TABLE ${liveSchema}.outbox;
    CREATE TABLE ${liveSchema}.outbox (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, event_id text NOT NULL, position text NOT NULL,
      payload jsonb NOT NULL, recipients uuid[] NOT NULL);
    INSERT INTO ${liveSchema}.outbox (event_id, position, payload, recipients) VALUES
      ('e4', '0004', '{"postId": "p4", "postText": "four", "author_user_id": "${a}"}', '{${b}}'),
      ('e5', '0005', '{"postId": "p5", "postText": "five", "author_user_id": "${a}"}', '{${b}}');
    UPDATE ${liveSchema}.projection_checkpoints SET version = 2, position = '0005' WHERE projection = 'outbox';`);
  const before = await pool.query(`SELECT id::text FROM ${liveSchema}.outbox ORDER BY id`);
  assert.equal(await migrateReadModels(pool), ['outbox-v4']);
  const { rows } = await pool.query(`SELECT id::text, event_id, kind, payload->>'postText' AS text FROM ${liveSchema}.outbox ORDER BY id`);
  assert.equal(rows, [
    { id: before.rows[0].id, event_id: 'e4', kind: 'post.created', text: 'four' },
    { id: before.rows[1].id, event_id: 'e5', kind: 'post.created', text: 'five' },
  ]);
  const checkpoint = await pool.query(`SELECT version, position FROM ${liveSchema}.projection_checkpoints WHERE projection = 'outbox'`);
  assert.equal(checkpoint.rows, [{ version: 4, position: '0005' }]);
  // A new row takes the next id: the relay, which reads after the last id it deleted, misses none.
  await pool.query(`INSERT INTO ${liveSchema}.outbox (event_id, position, kind, payload, recipients) VALUES ('e6', '0006', 'post.deleted', '{}', '{${b}}')`);
  const next = await pool.query(`SELECT max(id)::text AS id FROM ${liveSchema}.outbox`);
  assert.ok(BigInt(next.rows[0].id) > BigInt(before.rows[1].id));
  assert.equal(await migrateReadModels(pool), [], 'once');
});

test('an outbox of version 3 (no commit time) keeps its waiting rows and ids; they have no commit time, new rows may', async () => {
  const [a, b] = ['00000000-0000-4000-8000-0000000000a3', '00000000-0000-4000-8000-0000000000b3'];
  await pool.query(`
    DROP TABLE ${liveSchema}.outbox;
    CREATE TABLE ${liveSchema}.outbox (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, event_id text NOT NULL, position text NOT NULL,
      kind text NOT NULL DEFAULT 'post.created', payload jsonb NOT NULL, recipients uuid[] NOT NULL);
    INSERT INTO ${liveSchema}.outbox (event_id, position, kind, payload, recipients) VALUES
      ('e7', '0007', 'post.updated', '{"postId": "p7", "postText": "seven", "author_user_id": "${a}"}', '{${b}}');
    UPDATE ${liveSchema}.projection_checkpoints SET version = 3, position = '0007' WHERE projection = 'outbox';`);
  const before = await pool.query(`SELECT id::text FROM ${liveSchema}.outbox`);
  assert.equal(await migrateReadModels(pool), ['outbox-v4']);
  const { rows } = await pool.query(`SELECT id::text, event_id, kind, committed_at FROM ${liveSchema}.outbox`);
  assert.equal(rows, [{ id: before.rows[0].id, event_id: 'e7', kind: 'post.updated', committed_at: null }]);
  const checkpoint = await pool.query(`SELECT version, position FROM ${liveSchema}.projection_checkpoints WHERE projection = 'outbox'`);
  assert.equal(checkpoint.rows, [{ version: 4, position: '0007' }]);
  await pool.query(`INSERT INTO ${liveSchema}.outbox (event_id, position, payload, recipients, committed_at) VALUES ('e8', '0008', '{}', '{${b}}', now())`);
  assert.equal(await migrateReadModels(pool), [], 'once');
});

test.run();
