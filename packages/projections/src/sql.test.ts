import { createTestDatabase, type TestDatabase } from '@herald/kit/testing';
import pg from 'pg';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { v7 as uuid } from 'uuid';
import { applyBatch } from './apply.js';
import { readCheckpoints } from './checkpoints.js';
import { migrateReadModels } from './migrate.js';
import { projections } from './projections/list.js';
import { liveSchema } from './schema.js';
import { eventMaker } from './testing.js';

/** Values the applier inlines into one simple-protocol query, whatever the server's string settings. */
let db: TestDatabase;
/** Sessions with the pre-9.1 string syntax, where a backslash escapes inside '...'. */
let legacy: pg.Pool;
let pool: pg.Pool;
const recorded = eventMaker();
const awkward = String.raw`it's a \ backslash, \' a quote after one, \\ two, '' two quotes, \n not a newline, $1 not a placeholder, E'\x41'`;

test.before(async () => {
  db = await createTestDatabase('projections_sql');
  pool = new pg.Pool({ connectionString: db.url, max: 2 });
  legacy = new pg.Pool({ connectionString: db.url, max: 2, options: '-c standard_conforming_strings=off' });
  await migrateReadModels(pool);
});

test.after(async () => {
  await legacy.end();
  await pool.end();
  await db.drop();
});

test('with standard_conforming_strings off, a post text with backslashes and quotes round-trips exactly', async () => {
  const { rows: setting } = await legacy.query<{ standard_conforming_strings: string }>('SHOW standard_conforming_strings');
  assert.is(setting[0]?.standard_conforming_strings, 'off');
  const [author, postId] = [uuid(), uuid()];
  const created = recorded('PostCreated', { postId, authorId: author, text: awkward });
  const outcome = await applyBatch(legacy, { schema: liveSchema, projections, live: true }, [created]);
  assert.equal(outcome.skipped, []);
  const { rows } = await pool.query<{ text: string }>(`SELECT text FROM ${liveSchema}.posts WHERE id = $1`, [postId]);
  assert.is(rows[0]?.text, awkward);
  assert.is((await readCheckpoints(pool, liveSchema)).get('posts'), created.position);
});

test('an edit with backslashes and quotes round-trips exactly on such a session too', async () => {
  const [author, postId] = [uuid(), uuid()];
  const edited = `${awkward} \\\\'; DROP TABLE posts; --`;
  await applyBatch(legacy, { schema: liveSchema, projections, live: true }, [
    recorded('PostCreated', { postId, authorId: author, text: 'plain' }),
    recorded('PostUpdated', { postId, authorId: author, text: edited }),
  ]);
  const { rows } = await pool.query<{ text: string }>(`SELECT text FROM ${liveSchema}.posts WHERE id = $1`, [postId]);
  assert.is(rows[0]?.text, edited);
});

test.run();
