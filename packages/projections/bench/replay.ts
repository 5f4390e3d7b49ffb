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
}

/**
 * Rebuilds every replayable read model from a generated log, then inserts the same feed
 * rows with one raw INSERT ... SELECT into a table of the same shape: the ceiling a
 * projection could reach on this machine.
 */
export async function replayBench(db: BenchDatabase, users: number): Promise<ReplayFigures> {
  console.log(`replay: generating a log for ${users} users (about 50 friends and 6 posts each)`);
  await generate(db.store, { users, friendsPerUser: 50, postsPerUser: 6, concurrency: 32, seed: 7 }, 'replay');
  const plan = await planRebuild(db.store, { projections, names: [], batchSize: 5000 });
  console.log('replay: rebuilding users, friendships, feeds, posts from the start of the log');
  const started = performance.now();
  let lastPrint = started;
  const result = await rebuild(db.pool, db.store, plan, 5000, (p) => {
    if (performance.now() - lastPrint > 5000) {
      lastPrint = performance.now();
      console.log(`  replay: ${p.events} events, ${Math.round(p.events / ((lastPrint - started) / 1000))} events/s`);
    }
  });
  const seconds = (performance.now() - started) / 1000;
  const { rows } = await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${liveSchema}.feed`);
  const feedRows = rows[0]?.n ?? 0;
  console.log(`replay: ${result.events} events, ${feedRows} feed rows in ${seconds.toFixed(1)} s; baseline insert of the same rows`);
  await db.pool.query(`CREATE TABLE bench_feed_baseline (LIKE ${liveSchema}.feed INCLUDING ALL)`);
  const baselineStarted = performance.now();
  await db.pool.query(`INSERT INTO bench_feed_baseline SELECT * FROM ${liveSchema}.feed`);
  const baselineSeconds = (performance.now() - baselineStarted) / 1000;
  await db.pool.query('DROP TABLE bench_feed_baseline');
  return {
    events: result.events,
    seconds,
    eventsPerSec: result.events / seconds,
    feedRows,
    feedRowsPerSec: feedRows / seconds,
    baselineRowsPerSec: feedRows / baselineSeconds,
  };
}
