import { pipeline } from 'node:stream/promises';
import { createEventStore } from '@herald/eventstore';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import type { BenchDatabase } from './setup.js';
import { generate } from './setup.js';
import { projections } from '../src/projections/list.js';
import { planRebuild, rebuild } from '../src/replay/rebuild.js';
import { liveSchema } from '../src/schema.js';

export interface ReplayFigures extends Record<string, number> {
  events: number;
  seconds: number;
  eventsPerSec: number;
  feedRows: number;
  feedRowsPerSec: number;
  baselineRowsPerSec: number;
  copyBaselineRowsPerSec: number;
}

/**
 * Rebuilds every replayable read model from a generated log, then writes the same feed
 * rows into fresh tables of the same shape (primary key included) two raw ways: one
 * INSERT ... SELECT, and COPY from the client (rows streamed out of the rebuilt feed with
 * COPY TO and into the fresh table with COPY FROM, in the order they are stored): the
 * ceilings a rebuild could reach on this machine.
 */
export async function replayBench(db: BenchDatabase, users: number): Promise<ReplayFigures> {
  console.log(`replay: generating a log for ${users} users (about 50 friends and 6 posts each)`);
  await generate(db.store, { users, friendsPerUser: 50, postsPerUser: 6, concurrency: 32, seed: 7 }, 'replay');
  // The log read in pages as large as the batches, as `herald rebuild` reads it.
  const store = createEventStore({ databaseUrl: db.url, subscriptionBatchSize: 5000 });
  const plan = await planRebuild(store, { projections, names: [], batchSize: 5000 });
  console.log('replay: rebuilding users, friendships, feeds, posts from the start of the log');
  const started = performance.now();
  let lastPrint = started;
  const result = await rebuild(db.pool, store, plan, 5000, (p) => {
    if (performance.now() - lastPrint > 5000) {
      lastPrint = performance.now();
      console.log(`  replay: ${p.events} events, ${Math.round(p.events / ((lastPrint - started) / 1000))} events/s`);
    }
  });
  const seconds = (performance.now() - started) / 1000;
  await store.close();
  const { rows } = await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${liveSchema}.feed`);
  const feedRows = rows[0]?.n ?? 0;
  console.log(`replay: ${result.events} events, ${feedRows} feed rows in ${seconds.toFixed(1)} s; baseline insert of the same rows`);
  await db.pool.query(`CREATE TABLE bench_feed_baseline (LIKE ${liveSchema}.feed INCLUDING ALL)`);
  const baselineStarted = performance.now();
  await db.pool.query(`INSERT INTO bench_feed_baseline SELECT * FROM ${liveSchema}.feed`);
  const baselineSeconds = (performance.now() - baselineStarted) / 1000;
  await db.pool.query('DROP TABLE bench_feed_baseline');
  const copySeconds = await copyBaseline(db);
  console.log(`replay: baselines: INSERT ... SELECT ${baselineSeconds.toFixed(1)} s, COPY ${copySeconds.toFixed(1)} s`);
  return {
    events: result.events,
    seconds,
    eventsPerSec: result.events / seconds,
    feedRows,
    feedRowsPerSec: feedRows / seconds,
    baselineRowsPerSec: feedRows / baselineSeconds,
    copyBaselineRowsPerSec: feedRows / copySeconds,
  };
}

/** Seconds to COPY the rebuilt feed's rows into a fresh table of its shape, through the client. */
async function copyBaseline(db: BenchDatabase): Promise<number> {
  const [reader, writer] = [await db.pool.connect(), await db.pool.connect()];
  try {
    await writer.query(`CREATE TABLE bench_feed_copy (LIKE ${liveSchema}.feed INCLUDING ALL)`);
    const started = performance.now();
    await pipeline(
      reader.query(copyTo(`COPY ${liveSchema}.feed TO STDOUT (FORMAT binary)`)),
      writer.query(copyFrom('COPY bench_feed_copy FROM STDIN (FORMAT binary)')),
    );
    const seconds = (performance.now() - started) / 1000;
    await writer.query('DROP TABLE bench_feed_copy');
    return seconds;
  } finally {
    reader.release();
    writer.release();
  }
}
