import type { EventStore, RecordedEvent } from '@herald/eventstore';
import { Backoff, sleep, type Logger } from '@herald/kit';
import type pg from 'pg';
import type { BatchOutcome } from './apply.js';
import { readStoredCheckpoints, resumePosition } from './checkpoints.js';
import { runConsumer } from './consumer.js';
import { recordError } from './problems.js';
import type { Projection } from './projection.js';
import { liveSchema } from './schema.js';
import { StuckTracker, type Stuck } from './stuck.js';

export interface FollowOptions {
  readonly store: EventStore;
  readonly pool: pg.Pool;
  /** Every projection, as configured (createProjections). */
  readonly projections: readonly Projection[];
  readonly batchSize: number;
  readonly logger: Logger;
  /** Before each attempt to follow the log, retried with it when it fails (it must be idempotent). */
  readonly beforeFollowing?: () => Promise<void>;
  /** After each committed batch, with the time it committed (ms since epoch). */
  readonly onBatch?: (events: readonly RecordedEvent[], outcome: BatchOutcome, committedAt: number) => void;
  /** After each failed attempt, with where it is stuck. */
  readonly onFailure?: (stuck: Stuck) => void;
}

export interface Follower {
  stop(): Promise<void>;
  /** The failure it keeps retrying, if it is stuck; undefined while it makes progress. */
  stuck(): Stuck | undefined;
}

const resumeBackoff = { firstMs: 100, maxMs: 5000 };

/**
 * The live projector: the consumer on the live schema, following the log for ever.
 * When the store or the database fails, it waits and resumes from the checkpoints,
 * so nothing is applied twice and nothing skipped. Until it gets past the failure it
 * reports itself stuck (`stuck()`): a batch until it commits, a failure to read until
 * the log reads again.
 */
export function followLog(options: FollowOptions): Follower {
  const { logger } = options;
  const abort = new AbortController();
  const tracker = new StuckTracker();
  const done = (async () => {
    const backoff = new Backoff(resumeBackoff);
    while (!abort.signal.aborted) {
      try {
        await options.beforeFollowing?.();
        if (tracker.stuck?.stage === 'read') {
          await logReads(options);
          tracker.readable();
        }
        await runConsumer({
          store: options.store,
          pool: options.pool,
          target: { schema: liveSchema, projections: options.projections, live: true },
          untilCaughtUp: false,
          batchSize: options.batchSize,
          signal: abort.signal,
          onBatch: (events, outcome) => {
            backoff.reset();
            if (tracker.stuck) logger.info({ stuck: tracker.stuck }, 'projector: got past the failure; following the log again');
            tracker.committed();
            for (const s of outcome.skipped) logger.warn({ skipped: s }, 'projector: event skipped');
            options.onBatch?.(events, outcome, Date.now());
          },
        });
      } catch (error) {
        if (abort.signal.aborted) break;
        const stuck = tracker.failed(error);
        options.onFailure?.(stuck);
        const wait = backoff.next();
        logger.error({ err: error, retryInMs: wait, attempts: stuck.attempts }, 'projector: following the log failed; resuming from the checkpoints');
        await recordError(options.pool, options.projections.map((p) => p.name), error);
        await sleep(wait, abort.signal);
      }
    }
  })();
  return {
    async stop() {
      abort.abort();
      await done;
    },
    stuck: () => tracker.stuck,
  };
}

/** One read of the log after the live checkpoints: throws while it still cannot be read. */
async function logReads(options: FollowOptions): Promise<void> {
  const stored = await readStoredCheckpoints(options.pool, liveSchema);
  const from = resumePosition(options.projections, stored);
  await options.store.readAll({ from: from === '' ? 'start' : { after: from }, maxCount: 1 });
}
