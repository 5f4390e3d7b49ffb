/**
 * Projections benchmark: rebuild throughput (events and feed rows per second, beside a
 * raw INSERT of the same rows), live projection lag at a steady write rate, and outbox
 * relay throughput with publisher confirms (beside a raw confirm-channel publish).
 *
 * Default size runs in a few minutes; BENCH_FULL=1 runs the sizes (1M events).
 * Sizes can also be set one by one: BENCH_REPLAY_USERS, BENCH_LAG_RATE, BENCH_LAG_SECONDS,
 * BENCH_OUTBOX_POSTS.
 */
import { writeBenchReport } from '@herald/kit/bench';
import { lagBench } from './lag.js';
import { outboxBench } from './outbox.js';
import { replayBench } from './replay.js';
import { benchDatabase } from './setup.js';

const full = process.env.BENCH_FULL === '1';
const size = (name: string, fallback: number, fullSize: number) => Number(process.env[name] ?? (full ? fullSize : fallback));
// About 32.5 events per user: registration, ~25 friendships, 6 posts, some edits.
const replayUsers = size('BENCH_REPLAY_USERS', 3000, 31_000);
const lag = {
  users: size('BENCH_LAG_USERS', 2000, 10_000),
  rate: size('BENCH_LAG_RATE', 2000, 2000),
  sustainedRate: size('BENCH_LAG_SUSTAINED_RATE', 500, 500),
  seconds: size('BENCH_LAG_SECONDS', 15, 60),
};
const outboxPosts = size('BENCH_OUTBOX_POSTS', 50_000, 200_000);
const rabbitmqUrl = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

async function inFreshDatabase<T>(label: string, work: (db: Awaited<ReturnType<typeof benchDatabase>>) => Promise<T>): Promise<T> {
  const db = await benchDatabase(label);
  try {
    return await work(db);
  } finally {
    await db.drop();
  }
}

const replay = await inFreshDatabase('replay', (db) => replayBench(db, replayUsers));
// First a rate this machine sustains (the projector's own lag, unsaturated), then the issue's.
const [lagSustained, lagFigures] = await inFreshDatabase('lag', (db) => lagBench(db, { ...lag, rates: [lag.sustainedRate, lag.rate], rabbitmqUrl }));
if (!lagFigures || !lagSustained) throw new Error('the lag benchmark measured nothing');
const outbox = await inFreshDatabase('outbox', (db) => outboxBench(db, outboxPosts, rabbitmqUrl));

const replayTarget = 1_000_000 / 60;
writeBenchReport('projections', { replay, lag: lagFigures, lagSustained, outbox }, [
  { figure: 'replay.eventsPerSec', value: replay.eventsPerSec, unit: 'events/s', target: '>= 16,667 (1M events in 60 s)', met: replay.eventsPerSec >= replayTarget },
  { figure: 'replay.feedRowsPerSec', value: replay.feedRowsPerSec, unit: 'rows/s', baseline: replay.baselineRowsPerSec, target: '>= 166,667 (10M rows in 60 s)', met: replay.feedRowsPerSec >= 10 * replayTarget },
  { figure: 'replay.events', value: replay.events, unit: 'events' },
  { figure: 'lag.achievedPerSec', value: lagFigures.achievedPerSec, unit: 'events/s', target: '2,000 offered' },
  { figure: 'lag.p50Ms', value: lagFigures.p50Ms, unit: 'ms' },
  { figure: 'lag.p99Ms', value: lagFigures.p99Ms, unit: 'ms', target: '<= 50 ms at 2,000 events/s', met: lagFigures.p99Ms <= 50 && lagFigures.achievedPerSec >= 1900 },
  { figure: 'lagSustained.p99Ms', value: lagSustained.p99Ms, unit: 'ms', target: `at ${lagSustained.offeredPerSec} events/s (context)` },
  { figure: 'outbox.rowsPerPost', value: outbox.rowsPerPost, unit: 'rows', target: '1 at 50 friends', met: outbox.rowsPerPost === 1 },
  { figure: 'outbox.publishedPostsPerSec', value: outbox.publishedPostsPerSec, unit: 'posts/s', baseline: outbox.baselinePostsPerSec, target: 'with confirms, 50 recipients a post' },
  { figure: 'outbox.publishedRecipientsPerSec', value: outbox.publishedRecipientsPerSec, unit: 'recipients/s', target: '>= 10,000 with confirms', met: outbox.publishedRecipientsPerSec >= 10_000 },
]);
process.exit(0);
