import type { EventStore, RecordedEvent, StartFrom } from '@herald/eventstore';
import type pg from 'pg';
import { applyBatch, type BatchOutcome, type Target } from './apply.js';
import { batches } from './batches.js';
import { atCodeVersion, lowestCheckpoint, readStoredCheckpoints } from './checkpoints.js';

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
 * The one consumer, live and replay alike: reads the log from the target's lowest
 * checkpoint and applies it in batches, each committed with its checkpoints.
 */
export async function runConsumer(options: ConsumerOptions): Promise<ConsumerResult> {
  const { store, pool, target, signal } = options;
  const stored = await readStoredCheckpoints(pool, target.schema);
  // Projections whose tables another version wrote wait for their rebuild: they do not hold the start back.
  const from = lowestCheckpoint(atCodeVersion(target.projections, stored), new Map([...stored].map(([name, s]) => [name, s.position])));
  const head = options.untilCaughtUp ? await store.headPosition() : undefined;
  if (head === null || (head !== undefined && from >= head)) return { events: 0, position: null };

  const startFrom: StartFrom = from === '' ? 'start' : { after: from };
  const subscription = store.subscribeToAll({ from: startFrom, signal });
  let events = 0;
  let position: string | null = null;
  try {
    for await (const batch of batches(subscription, options.batchSize)) {
      const outcome = await applyBatch(pool, target, batch);
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
  return { events, position };
}
