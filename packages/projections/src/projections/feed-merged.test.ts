import { createTestDatabase, type TestDatabase } from '@herald/kit/testing';
import pg from 'pg';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { batchSettings } from '../apply.js';
import { freshSchemaSql } from '../migrate.js';
import { inline } from '../sql.js';
import { enterMerged, mergeBounds } from './feed-merged.js';
import { createProjections } from './list.js';

let db: TestDatabase;
let pool: pg.Pool;
const schema = 'merged_plan';

test.before(async () => {
  db = await createTestDatabase('projections_feed_merged');
  pool = new pg.Pool({ connectionString: db.url, max: 2 });
});

test.after(async () => {
  await pool.end();
  await db.drop();
});

interface PlanNode {
  readonly 'Relation Name'?: string;
  readonly 'Actual Rows': number;
  readonly 'Actual Loops': number;
  readonly Plans?: readonly PlanNode[];
}

/** Rows the plan's scans of `relation` returned, over all their loops. */
function rowsRead(node: PlanNode, relation: string): number {
  const own = node['Relation Name'] === relation ? node['Actual Rows'] * node['Actual Loops'] : 0;
  return own + (node.Plans ?? []).reduce((n, child) => n + rowsRead(child, relation), 0);
}

test('a run of new friendships that takes nobody past the limit reads no feed rows, even on tables with no statistics yet (the plan that scanned the whole feed once per run made rebuilds quadratic)', async () => {
  const projections = createProjections({ feedFanoutLimit: 1000 });
  // 1000 users with 50 friends each and 6 posts of every friend in their feed, just written,
  // never analyzed: a rebuild's tables half way.
  await pool.query(`BEGIN; ${freshSchemaSql(schema, projections)}; SET LOCAL search_path TO ${schema};
    CREATE TEMP TABLE people ON COMMIT DROP AS SELECT gen_random_uuid() AS id, n FROM generate_series(0, 999) n;
    INSERT INTO friendships SELECT a.id, b.id FROM people a JOIN people b ON b.n <> a.n AND abs(b.n - a.n) <= 25;
    INSERT INTO feed SELECT fr.friend_id, timestamptz '2026-01-01' + k * interval '1 s', gen_random_uuid(), fr.user_id
      FROM friendships fr CROSS JOIN generate_series(1, 6) k;
    COMMIT`);
  const { rows: [feed] } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.feed`);
  assert.ok((feed?.n ?? 0) > 250_000, 'a large feed');
  // The sides of a run of new friendships: every user.
  const { rows: sides } = await pool.query<{ id: string }>(`SELECT DISTINCT user_id::text AS id FROM ${schema}.friendships`);
  const [statement] = enterMerged(sides.map((s) => s.id), mergeBounds(1000));
  assert.ok(statement);
  const client = await pool.connect();
  try {
    const results = await client.query(`BEGIN; SET LOCAL search_path TO ${schema}, public; ${batchSettings}
      EXPLAIN (ANALYZE, FORMAT JSON) ${inline(statement)}`);
    await client.query('ROLLBACK');
    const explained = Array.isArray(results) ? results.at(-1) : results;
    const plan = (explained?.rows[0]?.['QUERY PLAN'] as [{ Plan: PlanNode }])[0].Plan;
    assert.is(rowsRead(plan, 'feed'), 0);
  } finally {
    client.release();
  }
});

test.run();
