import type pg from 'pg';
import { withSession } from '@herald/kit';
import type { BulkBuild, Projection } from '../projection.js';
import { identifier, inline, sql } from '../sql.js';

export interface FillOptions {
  /** Keys (feed readers) per chunk: each chunk is one transaction, kept short (see fillChunk). */
  readonly chunkKeys: number;
  readonly signal?: AbortSignal;
}

/**
 * 250 readers of about 300 rows each (the benchmark's log) is about 75,000 rows, a
 * fraction of a second; 250,000 at most, with every reader's feed full.
 */
export const defaultFillOptions: FillOptions = { chunkKeys: 250 };

/**
 * Fills the tables of the built projections that have a bulk build, from what the
 * rebuild's first pass left in the schema (see BulkBuild), and answers how many rows it
 * wrote. Nothing else writes the schema meanwhile: the rebuild reads the log again only
 * once this is done.
 */
export async function fillInBulk(pool: pg.Pool, schema: string, built: readonly Projection[], options: FillOptions): Promise<number> {
  let rows = 0;
  // The first pass wrote these tables faster than autovacuum looks at them. Vacuumed, the
  // fill reads friendships and posts from their indexes alone (index-only scans, not a
  // heap page per friend and per post); analyzed, it is planned on their real size.
  const tables = built.flatMap((p) => p.tables).map((table) => `${identifier(schema)}.${identifier(table)}`);
  await pool.query(`VACUUM (ANALYZE) ${tables.join(', ')}`);
  for (const { bulk } of built) {
    if (!bulk) continue;
    const bounds = await chunkBounds(pool, schema, bulk, options.chunkKeys);
    // One chunk at a time, in key order: each inserts past the last, on the index's rightmost
    // leaf. Two at a time were no faster on two CPUs, and the one behind split pages in the
    // middle of the index, half full: the primary key came out a quarter larger.
    for (const [i, upTo] of [...bounds, null].entries()) {
      options.signal?.throwIfAborted();
      rows += await fillChunk(pool, schema, bulk, bounds[i - 1] ?? null, upTo);
    }
    await inSchema(pool, schema, `ANALYZE ${bulk.filled.map(identifier).join(', ')}`);
  }
  return rows;
}

/** Every `chunkKeys`-th key, in order: chunk i holds the keys after bound i-1 up to bound i, and the last those after the last bound. */
async function chunkBounds(pool: pg.Pool, schema: string, bulk: BulkBuild, chunkKeys: number): Promise<string[]> {
  const rows = await inSchema<{ key: string }>(pool, schema, inline(sql(
    `SELECT key::text AS key FROM (SELECT key, row_number() OVER (ORDER BY key) AS n FROM (${bulk.fillKeys}) k) numbered
     WHERE n % $1 = 0 ORDER BY n`,
    chunkKeys,
  )));
  return rows.map((r) => r.key);
}

/**
 * One chunk in its own transaction: short, so it holds back the log's read guard (and so
 * every subscriber of the cluster) no longer than a batch of the replay does; its commit
 * need not wait for the WAL flush, as a rebuild that crashes is started again from scratch.
 */
async function fillChunk(pool: pg.Pool, schema: string, bulk: BulkBuild, after: string | null, upTo: string | null): Promise<number> {
  const rows = await inSchema<{ rows: number }>(pool, schema, inline(sql(bulk.fillChunk, after, upTo)),
    'SET LOCAL synchronous_commit TO off; SET LOCAL jit TO off; SET LOCAL work_mem TO \'64MB\';');
  return rows[0]?.rows ?? 0;
}

/** A statement run in a transaction of its own on `schema`, answering its rows. */
async function inSchema<R extends pg.QueryResultRow>(pool: pg.Pool, schema: string, text: string, settings = ''): Promise<R[]> {
  return withSession(pool, async (client) => {
    try {
      await client.query(`BEGIN; SET LOCAL search_path TO ${identifier(schema)}, public; ${settings}`);
      const { rows } = await client.query<R>(text);
      await client.query('COMMIT');
      return rows;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  });
}
