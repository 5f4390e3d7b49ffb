import type { EventStore, RecordedEvent } from '@herald/eventstore';
import type { Logger } from '@herald/kit';
import type pg from 'pg';
import type { BatchOutcome } from './apply.js';
import { runConsumer } from './consumer.js';
import { recordError } from './problems.js';
import type { Projection } from './projection.js';
import { projections as declared } from './projections/list.js';
import { liveSchema } from './schema.js';

export interface FollowOptions {
  readonly store: EventStore;
  readonly pool: pg.Pool;
  readonly batchSize: number;
  readonly logger: Logger;
  /** The projections as this code declares them; the list in projections/list.ts by default. */
  readonly projections?: readonly Projection[];
  /** Before each attempt to follow the log, retried with it when it fails (it must be idempotent). */
  readonly beforeFollowing?: () => Promise<void>;
  /** After each committed batch, with the time it committed (ms since epoch). */
  readonly onBatch?: (events: readonly RecordedEvent[], outcome: BatchOutcome, committedAt: number) => void;
}

export interface Follower {
  stop(): Promise<void>;
}

const backoff = { firstMs: 100, maxMs: 5000 };

/**
 * The live projector: the consumer on the live schema, following the log for ever.
 * When the store or the database fails, it waits and resumes from the checkpoints,
 * so nothing is applied twice and nothing skipped.
 */
export function followLog(options: FollowOptions): Follower {
  const { logger } = options;
  const projections = options.projections ?? declared;
  const abort = new AbortController();
  const done = (async () => {
    let wait = backoff.firstMs;
    while (!abort.signal.aborted) {
      try {
        await options.beforeFollowing?.();
        await runConsumer({
          store: options.store,
          pool: options.pool,
          target: { schema: liveSchema, projections, live: true },
          untilCaughtUp: false,
          batchSize: options.batchSize,
          signal: abort.signal,
          onBatch: (events, outcome) => {
            wait = backoff.firstMs;
            for (const s of outcome.skipped) logger.warn({ skipped: s }, 'projector: event skipped');
            options.onBatch?.(events, outcome, Date.now());
          },
        });
      } catch (error) {
        if (abort.signal.aborted) break;
        logger.error({ err: error, retryInMs: wait }, 'projector: following the log failed; resuming from the checkpoints');
        await recordError(options.pool, projections.map((p) => p.name), error);
        await new Promise((resolve) => setTimeout(resolve, wait));
        wait = Math.min(wait * 2, backoff.maxMs);
      }
    }
  })();
  return {
    async stop() {
      abort.abort();
      await done;
    },
  };
}
