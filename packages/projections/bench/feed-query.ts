import { loadavg } from 'node:os';
import { seededRandom } from '@herald/kit';
import { percentile } from '@herald/kit/bench';
import pg from 'pg';
import { v7 as uuid } from 'uuid';
import { applyBatch } from '../src/apply.js';
import { createProjections } from '../src/projections/list.js';
import { createReadModelQueries } from '../src/queries.js';
import { liveSchema } from '../src/schema.js';
import { eventMaker, feedByDefinition } from '../src/testing.js';
import type { BenchDatabase } from './setup.js';

export interface FeedQueryOptions {
  /** Readers queried in turn; each has `stars` merged-author friends and `friends` fanned-out ones. */
  readonly readers: number;
  readonly stars: number;
  readonly postsPerStar: number;
  readonly friends: number;
  readonly postsPerFriend: number;
  readonly feedFanoutLimit: number;
  /** Requests offered per second, spread over `connections` workers. */
  readonly rate: number;
  readonly connections: number;
  readonly seconds: number;
  readonly offset: number;
  readonly limit: number;
}

export interface FeedQueryFigures extends Record<string, number> {
  loadAverage1mBefore: number;
  offeredPerSec: number;
  queriesPerSec: number;
  p50Ms: number;
  p99Ms: number;
  baselineQueriesPerSec: number;
  baselineP50Ms: number;
  baselineP99Ms: number;
  mergedFriendsPerReader: number;
  storedRowsPerReader: number;
}

type Query = (reader: string) => Promise<unknown>;

/**
 * `getFeed` (the query `GET /post/feed` runs) for readers whose feed merges a full stored
 * feed with the newest posts of several merged authors, beside the plain stored-feed
 * query of the same readers and page in the same run. Requests are due on a fixed
 * schedule (offered rate) and taken by `connections` workers; latency counts from when
 * each was due, so a stall is charged to every request it delayed (wrk2's answer to
 * coordinated omission).
 */
export async function feedQueryBench(db: BenchDatabase, options: FeedQueryOptions): Promise<FeedQueryFigures> {
  const readers = await seed(db, options);
  const shape = await feedShape(db, readers);
  console.log(`feedQuery: ${readers.length} readers, ${shape.mergedFriendsPerReader} merged friends and ${shape.storedRowsPerReader} stored rows each`);
  const pool = new pg.Pool({ connectionString: db.url, max: options.connections });
  try {
    const queries = createReadModelQueries(pool);
    const hybrid: Query = (reader) => queries.getFeed(reader, options.offset, options.limit);
    const baseline: Query = (reader) => pool.query(
      `SELECT p.id::text AS id, p.text, p.author_id::text AS author_user_id
       FROM ${liveSchema}.feed f JOIN ${liveSchema}.posts p ON p.id = f.post_id
       WHERE f.reader_id = $1 ORDER BY f.created_at DESC, f.post_id DESC OFFSET $2 LIMIT $3`,
      [reader, options.offset, options.limit],
    );
    await paced(readers, hybrid, { ...options, seconds: 1 });
    await paced(readers, baseline, { ...options, seconds: 1 });
    const loadAverage1mBefore = loadavg()[0] ?? Number.NaN;
    console.log(`feedQuery: ${options.rate} queries/s offered for ${options.seconds} s each, load average ${loadAverage1mBefore.toFixed(2)}`);
    const raw = await paced(readers, baseline, options);
    const merged = await paced(readers, hybrid, options);
    return {
      loadAverage1mBefore,
      offeredPerSec: options.rate,
      queriesPerSec: merged.perSec,
      p50Ms: percentile(merged.latencies, 50),
      p99Ms: percentile(merged.latencies, 99),
      baselineQueriesPerSec: raw.perSec,
      baselineP50Ms: percentile(raw.latencies, 50),
      baselineP99Ms: percentile(raw.latencies, 99),
      ...shape,
    };
  } finally {
    await pool.end();
  }
}

/** Issues `rate * seconds` queries, each due at its slot; returns latencies from due to answer. */
async function paced(readers: readonly string[], query: Query, options: FeedQueryOptions): Promise<{ latencies: number[]; perSec: number }> {
  const total = Math.round(options.rate * options.seconds);
  const latencies: number[] = [];
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < total; i = next++) {
      const due = started + (i * 1000) / options.rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      await query(readers[i % readers.length] as string);
      latencies.push(performance.now() - due);
    }
  };
  await Promise.all(Array.from({ length: options.connections }, worker));
  return { latencies, perSec: total / ((performance.now() - started) / 1000) };
}

/**
 * The read models, applied as the projector would: stars befriended by every reader and
 * enough others to pass the fan-out limit, each reader with its own fanned-out friends,
 * then every post in a shuffled order, so that merged and stored posts interleave.
 */
async function seed(db: BenchDatabase, options: FeedQueryOptions): Promise<string[]> {
  const random = seededRandom(5);
  const shuffled = <T>(list: readonly T[]): T[] => {
    const out = [...list];
    for (let i = out.length - 1; i > 0; i -= 1) {
      const j = Math.floor(random() * (i + 1));
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  };
  const recorded = eventMaker(Date.parse('2026-01-01T00:00:00Z'));
  const ids = (n: number) => Array.from({ length: n }, () => uuid());
  const [readers, stars, fillers] = [ids(options.readers), ids(options.stars), ids(Math.max(0, options.feedFanoutLimit + 1 - options.readers))];
  const authors = ids(Math.max(options.friends, Math.ceil((options.readers * options.friends) / 8)));
  const befriend = (userId: string, friendId: string) => recorded('FriendAdded', { userId, friendId });
  const friendships = [
    ...stars.flatMap((star) => [...readers, ...fillers].map((fan) => befriend(star, fan))),
    ...readers.flatMap((reader) => shuffled(authors).slice(0, options.friends).map((author) => befriend(reader, author))),
  ];
  const postsBy = shuffled([...stars.flatMap((s) => Array<string>(options.postsPerStar).fill(s)), ...authors.flatMap((a) => Array<string>(options.postsPerFriend).fill(a))]);
  const posts = postsBy.map((authorId, n) => recorded('PostCreated', { postId: uuid(), authorId, text: `post ${n} of some forty characters or so.` }));
  const events = [...friendships, ...posts];
  console.log(`feedQuery: applying ${events.length} events (${options.stars} stars of ${options.postsPerStar} posts, ${authors.length} other authors)`);
  const target = { schema: liveSchema, projections: createProjections({ feedFanoutLimit: options.feedFanoutLimit }), live: true };
  for (let at = 0; at < events.length; at += 5000) await applyBatch(db.pool, target, events.slice(at, at + 5000));
  await db.pool.query(`VACUUM ANALYZE ${liveSchema}.feed, ${liveSchema}.posts, ${liveSchema}.friendships, ${liveSchema}.feed_merged_authors`);
  return readers;
}

/** What the readers' feeds hold, after checking that a few serve their definition. */
async function feedShape(db: BenchDatabase, readers: readonly string[]): Promise<{ mergedFriendsPerReader: number; storedRowsPerReader: number }> {
  const queries = createReadModelQueries(db.pool);
  for (const reader of readers.slice(0, 3)) {
    // The post ids, texts and authors, in order (a served post also carries its created_at).
    const otus = (posts: ReadonlyArray<{ id: string; text: string; author_user_id: string }>) => JSON.stringify(posts.map(({ id, text, author_user_id }) => [id, text, author_user_id]));
    const [served, defined] = [await queries.getFeed(reader, 0, 1000), await feedByDefinition(db.pool, reader)];
    if (otus(served) !== otus(defined)) throw new Error(`the feed of ${reader} is not its definition`);
  }
  const { rows } = await db.pool.query<{ merged: number; stored: number }>(
    `SELECT avg((SELECT count(*) FROM ${liveSchema}.friendships fr JOIN ${liveSchema}.feed_merged_authors m ON m.author_id = fr.friend_id WHERE fr.user_id = r.id))::float AS merged,
            avg((SELECT count(*) FROM ${liveSchema}.feed f WHERE f.reader_id = r.id))::float AS stored
     FROM unnest($1::uuid[]) AS r (id)`,
    [readers],
  );
  return { mergedFriendsPerReader: rows[0]?.merged ?? 0, storedRowsPerReader: rows[0]?.stored ?? 0 };
}
