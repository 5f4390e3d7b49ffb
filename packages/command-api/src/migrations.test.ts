import { createPostgresPool } from '@herald/kit';
import { migrateReadModels } from '@herald/projections';
import type pg from 'pg';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { v7 as uuidv7 } from 'uuid';
import { call } from '@herald/kit/testing';
import { startHarness, type Harness } from './testing/harness.js';

// One owner per schema (docs/architecture.md#migrations): the command API migrates the
// event store; the read models are the projector's, which may start after it.
let h: Harness;
let pool: pg.Pool;

test.before(async () => {
  h = await startHarness('migrations', {}, { readModels: 'absent' });
  pool = createPostgresPool({ connectionString: h.db.url, max: 1 });
});

test.after(async () => {
  await pool.end();
  await h.close();
});

async function exists(relation: string): Promise<boolean> {
  const { rows } = await pool.query<{ found: string | null }>('SELECT to_regclass($1)::text AS found', [relation]);
  return rows[0]?.found !== null;
}

test('at start the command API creates the event store\'s tables, and none of the read models\'', async () => {
  assert.ok(await exists('public.events'), 'the event store\'s events table');
  assert.not.ok(await exists('read_models.projection_checkpoints'), 'no read-model table');
});

test('a query before the projector has created the read models is 503 with Retry-After, then answers once it has', async () => {
  const early = await call(h.baseUrl, 'GET', `/user/get/${uuidv7()}`);
  assert.is(early.status, 503, JSON.stringify(early.body));
  assert.is(early.body.error, 'read_model_unavailable');
  assert.ok(Number(early.headers.get('retry-after')) >= 1);
  await migrateReadModels(pool);
  const later = await call(h.baseUrl, 'GET', `/user/get/${uuidv7()}`);
  assert.is(later.status, 404, JSON.stringify(later.body));
});

test.run();
