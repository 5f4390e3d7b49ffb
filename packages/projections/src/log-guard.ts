import { RestoredLogError, type EventStore } from '@herald/eventstore';
import type pg from 'pg';
import { readCheckpoints } from './checkpoints.js';
import { liveSchema } from './schema.js';

/** The live read models have applied events the log does not hold: they and the log come from different backups (or logs). */
export class CheckpointsAheadError extends Error {
  override readonly name = 'CheckpointsAheadError';
}

/**
 * Every live checkpoint is at or behind the log's head, or this throws: a projection
 * whose checkpoint is ahead would skip, without a word, every event appended until the
 * log passes it. A checkpoint is always the position of an event the log handed out,
 * and the head never moves back, so on one log this never fires.
 */
export async function checkCheckpointsBehindLog(pool: pg.Pool, store: EventStore): Promise<void> {
  const checkpoints = await readCheckpoints(pool, liveSchema);
  const head = (await store.headPosition()) ?? '';
  const ahead = [...checkpoints].filter(([, position]) => position > head);
  if (ahead.length === 0) return;
  throw new CheckpointsAheadError(
    `read-model checkpoints are ahead of the event log's head (${head === '' ? 'the log is empty' : head}): `
    + `${ahead.map(([projection, position]) => `${projection} at ${position}`).join(', ')}. `
    + 'The read models come from a later backup than the log, or from another log; events appended now would be skipped. '
    + 'Restore the log and the read models from the same backup, or rebuild the read models from this log (`make replay`) and let the outbox start at its head '
    + `(DELETE FROM ${liveSchema}.projection_checkpoints WHERE projection = 'outbox'); docs/operations.md, "Restoring a backup".`,
  );
}

/** Failures that no retry can fix: the projector refuses to run on them. */
export function isUnsafeLog(error: unknown): boolean {
  return error instanceof CheckpointsAheadError || error instanceof RestoredLogError;
}
