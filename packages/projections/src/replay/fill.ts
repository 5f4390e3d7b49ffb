import { inPool } from '@herald/kit';
import type pg from 'pg';
import type { BulkBuild, Projection } from '../projection.js';
import { identifier, inline, sql } from '../sql.js';

export interface FillOptions {
  /** Keys (feed readers) per chunk: each chunk is one transaction, kept short (see fillChunk). */
  readonly chunkKeys: number;
  /** Chunks filled at the same time: the log is not being read meanwhile, so PostgreSQL has every CPU. */
  readonly parallel: number;
  readonly signal?: AbortSignal;
}

/**
 * 500 readers of about 300 rows each (the benchmark's log) is about 150,000 rows, well
 * under a second per transaction on two CPUs; two at a time keep both busy.
 */
export const defaultFillOptions: FillOptions = { chunkKeys: 500, parallel: 2 };

/**
 * Fills the tables of the built projections that have a bulk build, from what the
 * rebuild's first pass left in the schema (see BulkBuild), and answers how many rows it
 * wrote. Nothing else writes the schema meanwhile: the rebuild reads the log again only
 * once this is done.
 */
export async function fillInBulk(pool: pg.Pool, schema: string, built: readonly Projection[], options: FillOptions): Promise<number> {
  let rows = 0;
  // The first pass wrote these tables faster than autovacuum looks at them: the fill is planned on their real size.
  await inSchema(pool, schema, `ANALYZE ${built.flatMap((p) => p.tables).map(identifier).join(', ')}`);
  for (const { bulk } of built) {
    if (!bulk) continue;
    const bounds = await chunkBounds(pool, schema, bulk, options.chunkKeys);
    const chunks = [...bounds, null].map((upTo, i) => [bounds[i - 1] ?? null, upTo] as const);
    const written = await inPool(chunks.length, options.parallel, async (i) => {
      options.signal?.throwIfAborted();
      const [after, upTo] = chunks[i] ?? [null, null];
      return fillChunk(pool, schema, bulk, after, upTo);
    });
    rows += written.reduce((a, b) => a + b, 0);
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
  const client = await pool.connect();
  try {
    await client.query(`BEGIN; SET LOCAL search_path TO ${identifier(schema)}, public; ${settings}`);
    const { rows } = await client.query<R>(text);
    await client.query('COMMIT');
    return rows;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
