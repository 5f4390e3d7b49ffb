import type { EventStore, RecordedEvent } from '@herald/eventstore';
import type pg from 'pg';
import { applyBatch, type BatchOutcome, type Target } from './apply.js';
import { batches } from './batches.js';
import { readStoredCheckpoints, resumePosition } from './checkpoints.js';

export interface ConsumerOptions {
  readonly store: EventStore;
  readonly pool: pg.Pool;
  readonly target: Target;
  /** Replay: stop once the log's head, as it was when starting, is applied. Live: follow for ever. */
  readonly untilCaughtUp: boolean;
  readonly batchSize: number;
  readonly signal?: AbortSignal;
  readonly onBatch?: (events: readonly RecordedEvent[], outcome: BatchOutcome) => void;
}

export interface ConsumerResult {
  readonly events: number;
  /** The last position applied, or null when there was nothing to read. */
  readonly position: string | null;
}

/**
 * Why the consumer stopped: reading (its checkpoints, the log) or applying a batch,
 * and where it stood: it resumes after `after` (its checkpoint, or the last batch it
 * applied; null when the checkpoints could not be read). A batch that failed to apply
 * is `batch`; the next run reads it again.
 */
export class ConsumerFailure extends Error {
  override readonly name = 'ConsumerFailure';
  /** What it was doing, where: `applying 3 events from position … (event …, PostCreated)`. */
  readonly doing: string;

  constructor(
    readonly stage: 'read' | 'apply',
    readonly after: string | null,
    readonly batch: readonly RecordedEvent[],
    options: { readonly cause: unknown },
  ) {
    const doing = ConsumerFailure.describe(stage, after, batch);
    super(`${doing} failed: ${options.cause instanceof Error ? options.cause.message : String(options.cause)}`, options);
    this.doing = doing;
  }

  private static describe(stage: 'read' | 'apply', after: string | null, batch: readonly RecordedEvent[]): string {
    const first = batch[0];
    if (stage === 'apply' && first) return `applying the batch of ${batch.length} events from position ${first.position} (event ${first.id}, ${first.type})`;
    if (after === null) return 'reading the checkpoints';
    return `reading the log after ${after === '' ? 'its start' : `position ${after}`}`;
  }
}

/**
 * The one consumer, live and replay alike: reads the log from the target's lowest
 * checkpoint and applies it in batches, each committed with its checkpoints. It fails
 * with a ConsumerFailure, which says where it stood.
 */
export async function runConsumer(options: ConsumerOptions): Promise<ConsumerResult> {
  const { store, pool, target, signal } = options;
  const stored = await readStoredCheckpoints(pool, target.schema).catch((error: unknown) => {
    throw new ConsumerFailure('read', null, [], { cause: error });
  });
  const from = resumePosition(target.projections, stored);
  let events = 0;
  let position: string | null = null;
  try {
    const head = options.untilCaughtUp ? await store.headPosition() : undefined;
    if (head === null || (head !== undefined && from >= head)) return { events: 0, position: null };
    const subscription = store.subscribeToAll({ from: from === '' ? 'start' : { after: from }, signal });
    try {
      for await (const batch of batches(subscription, options.batchSize)) {
        const outcome = await applyBatch(pool, target, batch).catch((error: unknown) => {
          throw new ConsumerFailure('apply', position ?? from, batch, { cause: error });
        });
        events += batch.length;
        position = batch.at(-1)?.position ?? position;
        options.onBatch?.(batch, outcome);
        if (signal?.aborted || (head !== undefined && position !== null && position >= head)) {
          // Closing first ends the read started ahead of time, which leaving the loop waits for.
          await subscription.close();
          break;
        }
      }
    } finally {
      await subscription.close();
    }
  } catch (error) {
    throw error instanceof ConsumerFailure ? error : new ConsumerFailure('read', position ?? from, [], { cause: error });
  }
  return { events, position };
}
