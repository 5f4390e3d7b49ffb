/**
 * Projections benchmark: rebuild throughput (events and feed rows per second, beside a
 * raw COPY and a raw INSERT of the same rows), live projection lag at a steady write rate, outbox
 * relay throughput with publisher confirms (beside a raw confirm-channel publish), and
 * the hybrid feed query (beside the plain stored-feed query).
 *
 * Default size runs in a few minutes; BENCH_FULL=1 runs the issue's sizes (1M events).
 * Sizes can also be set one by one: BENCH_REPLAY_USERS, BENCH_LAG_RATE, BENCH_LAG_SECONDS,
 * BENCH_OUTBOX_POSTS, BENCH_FEED_RATE, BENCH_FEED_SECONDS, BENCH_FEED_STAR_POSTS.
 * BENCH_PARTS picks parts (replay,lag,outbox,feedQuery; all by default); a run of some
 * parts replaces only those parts' figures in bench/results/projections.json.
 */
import { loadavg } from 'node:os';
import { announceLoad, benchSize, withEarlierParts, writeBenchReport, type BenchFigure } from '@herald/kit/bench';
import { feedQueryBench } from './feed-query.js';
import { lagBench } from './lag.js';
import { outboxBench } from './outbox.js';
import { replayBench } from './replay.js';
import { benchDatabase } from './setup.js';

// About 32.5 events per user: registration, ~25 friendships, 6 posts, some edits.
const replayUsers = benchSize('BENCH_REPLAY_USERS', 3000, 31_000);
const lag = {
  users: benchSize('BENCH_LAG_USERS', 2000, 10_000),
  rate: benchSize('BENCH_LAG_RATE', 2000, 2000),
  sustainedRate: benchSize('BENCH_LAG_SUSTAINED_RATE', 500, 500),
  seconds: benchSize('BENCH_LAG_SECONDS', 15, 60),
};
const outboxPosts = benchSize('BENCH_OUTBOX_POSTS', 50_000, 200_000);
// Readers with 20 merged-author friends and a full stored feed (50 fanned-out friends of 25 posts).
const feedQuery = {
  readers: benchSize('BENCH_FEED_READERS', 64, 64),
  stars: 20,
  postsPerStar: benchSize('BENCH_FEED_STAR_POSTS', 2000, 10_000),
  friends: 50,
  postsPerFriend: 25,
  feedFanoutLimit: benchSize('BENCH_FEED_FANOUT_LIMIT', 100, 100),
  rate: benchSize('BENCH_FEED_RATE', 500, 1000),
  connections: 32,
  seconds: benchSize('BENCH_FEED_SECONDS', 10, 30),
  offset: benchSize('BENCH_FEED_OFFSET', 0, 0),
  limit: benchSize('BENCH_FEED_LIMIT', 10, 10),
};
const allParts = ['replay', 'lag', 'outbox', 'feedQuery'];
const parts = (process.env.BENCH_PARTS ?? allParts.join(',')).split(',');
const rabbitmqUrl = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

async function inFreshDatabase<T>(label: string, work: (db: Awaited<ReturnType<typeof benchDatabase>>) => Promise<T>): Promise<T> {
  const db = await benchDatabase(label);
  try {
    return await work(db);
  } finally {
    await db.drop();
  }
}

announceLoad('projections');
const results: Record<string, Record<string, number>> = {};
const summary: BenchFigure[] = [];

if (parts.includes('replay')) {
  const replay = await inFreshDatabase('replay', (db) => replayBench(db, replayUsers));
  const replayTarget = 1_000_000 / 60;
  results.replay = replay;
  summary.push(
    { figure: 'replay.eventsPerSec', value: replay.eventsPerSec, unit: 'events/s', offered: 'closed loop: a stored log replayed', target: '>= 16,667 (1M events in 60 s)', met: replay.eventsPerSec >= replayTarget },
    { figure: 'replay.seconds', value: replay.seconds, unit: 's', target: '<= 100 s for 1M events (stretch 60 s)', met: replay.events >= 1_000_000 && replay.seconds <= 100 },
    { figure: 'replay.feedRowsPerSec', value: replay.feedRowsPerSec, unit: 'rows/s', offered: 'closed loop: a stored log replayed', baseline: replay.copyBaselineRowsPerSec, target: '>= 0.5 x COPY of the same rows', met: replay.feedRowsPerSec >= 0.5 * replay.copyBaselineRowsPerSec },
    { figure: 'replay.feedRowsPerSecVsInsert', value: replay.feedRowsPerSec, unit: 'rows/s', offered: 'closed loop: a stored log replayed', baseline: replay.baselineRowsPerSec, target: 'beside one INSERT ... SELECT of the same rows' },
    { figure: 'replay.feedRows', value: replay.feedRows, unit: 'rows' },
    { figure: 'replay.events', value: replay.events, unit: 'events' },
  );
}
if (parts.includes('lag')) {
  // First a rate this machine sustains (the projector's own lag, unsaturated), then the issue's.
  const [lagSustained, lagFigures] = await inFreshDatabase('lag', (db) => lagBench(db, { ...lag, rates: [lag.sustainedRate, lag.rate], rabbitmqUrl }));
  if (!lagFigures || !lagSustained) throw new Error('the lag benchmark measured nothing');
  Object.assign(results, { lag: lagFigures, lagSustained });
  summary.push(
    { figure: 'lag.achievedPerSec', value: lagFigures.achievedPerSec, unit: 'events/s', offered: lagFigures.offeredPerSec },
    { figure: 'lag.p50Ms', value: lagFigures.p50Ms, unit: 'ms' },
    { figure: 'lag.p99Ms', value: lagFigures.p99Ms, unit: 'ms', target: '<= 50 ms at 2,000 events/s', met: lagFigures.p99Ms <= 50 && lagFigures.achievedPerSec >= 1900 },
    { figure: 'lagSustained.achievedPerSec', value: lagSustained.achievedPerSec, unit: 'events/s', offered: lagSustained.offeredPerSec },
    { figure: 'lagSustained.p99Ms', value: lagSustained.p99Ms, unit: 'ms', target: `at ${lagSustained.offeredPerSec} events/s (context)` },
  );
}
if (parts.includes('outbox')) {
  const loadAverage1mBefore = loadavg()[0] ?? 0;
  const outbox = await inFreshDatabase('outbox', (db) => outboxBench(db, outboxPosts, rabbitmqUrl));
  results.outbox = { ...outbox, loadAverage1mBefore };
  summary.push(
    { figure: 'outbox.rowsPerPost', value: outbox.rowsPerPost, unit: 'rows', target: '1 at 50 friends', met: outbox.rowsPerPost === 1 },
    { figure: 'outbox.publishedPostsPerSec', value: outbox.publishedPostsPerSec, unit: 'posts/s', offered: 'closed loop: a waiting outbox drained', baseline: outbox.baselinePostsPerSec, target: 'with confirms, 50 recipients a post' },
    { figure: 'outbox.publishedRecipientsPerSec', value: outbox.publishedRecipientsPerSec, unit: 'recipients/s', offered: 'closed loop: a waiting outbox drained', target: '>= 10,000 with confirms', met: outbox.publishedRecipientsPerSec >= 10_000 },
  );
}
if (parts.includes('feedQuery')) {
  const feed = await inFreshDatabase('feed', (db) => feedQueryBench(db, feedQuery));
  results.feedQuery = feed;
  const context = `${feed.offeredPerSec} queries/s offered on ${feedQuery.connections} connections, load average ${feed.loadAverage1mBefore.toFixed(2)} before`;
  summary.push(
    { figure: 'feedQuery.p99Ms', value: feed.p99Ms, unit: 'ms', baseline: feed.baselineP99Ms, target: `<= 20 ms (${context})`, met: feed.p99Ms <= 20 },
    { figure: 'feedQuery.p50Ms', value: feed.p50Ms, unit: 'ms', baseline: feed.baselineP50Ms },
    { figure: 'feedQuery.queriesPerSec', value: feed.queriesPerSec, unit: 'queries/s', offered: feed.offeredPerSec, baseline: feed.baselineQueriesPerSec },
  );
}

// A run of some parts keeps the others' figures from the last report.
const partial = allParts.some((part) => !parts.includes(part));
const report = partial ? withEarlierParts('projections', results, summary) : { results, summary };
writeBenchReport('projections', report.results, report.summary);
process.exit(0);
