import { ConsumerFailure } from './consumer.js';

/**
 * Where the live projector is stuck, if it is: the failure it keeps retrying (anything
 * but a bad record, which is skipped), since when, and the events or position it
 * cannot get past. What /readyz and the metrics show.
 */
export interface Stuck {
  readonly since: Date;
  /** Failed attempts in a row. */
  readonly attempts: number;
  /** Reading (checkpoints, the log, the outbox's start) or applying a batch. */
  readonly stage: 'read' | 'apply';
  readonly reason: string;
  /** The position it resumes after (its checkpoint); null when even that could not be read. */
  readonly after: string | null;
  /** The first event of the batch that failed to apply, and how many the batch held. */
  readonly event?: { readonly id: string; readonly type: string; readonly position: string; readonly batchEvents: number };
}

/** The failure's own message, with its SQLSTATE when the database gave one. */
function cause(error: unknown): string {
  const inner = error instanceof ConsumerFailure ? error.cause : error;
  const message = inner instanceof Error ? inner.message : String(inner);
  const code = typeof inner === 'object' && inner !== null && 'code' in inner ? inner.code : undefined;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? `${message} (SQLSTATE ${code})` : message;
}

/** One follower's record of its failures: set by a failure, cleared once it makes progress. */
export class StuckTracker {
  private current: Stuck | undefined;

  get stuck(): Stuck | undefined {
    return this.current;
  }

  failed(error: unknown): Stuck {
    const failure = error instanceof ConsumerFailure ? error : undefined;
    const first = failure?.stage === 'apply' ? failure.batch[0] : undefined;
    this.current = {
      since: this.current?.since ?? new Date(),
      attempts: (this.current?.attempts ?? 0) + 1,
      stage: failure?.stage ?? 'read',
      reason: cause(error),
      after: failure ? failure.after : this.current?.after ?? null,
      ...(first && failure ? { event: { id: first.id, type: first.type, position: first.position, batchEvents: failure.batch.length } } : {}),
    };
    return this.current;
  }

  /** A batch committed: whatever held it back is gone. */
  committed(): void {
    this.current = undefined;
  }

  /** The log reads again: clears a reading failure, not a batch that still has to go through. */
  readable(): void {
    if (this.current?.stage === 'read') this.current = undefined;
  }
}

/** The one line /readyz shows for a stuck projector. */
export function describeStuck(stuck: Stuck): string {
  const where = stuck.event
    ? `applying the batch of ${stuck.event.batchEvents} events from position ${stuck.event.position} (event ${stuck.event.id}, ${stuck.event.type})`
    : `reading ${stuck.after === null ? 'the checkpoints' : `the log after ${stuck.after === '' ? 'its start' : `position ${stuck.after}`}`}`;
  return `stuck since ${stuck.since.toISOString()} (${stuck.attempts} failed attempt${stuck.attempts === 1 ? '' : 's'}) ${where}: ${stuck.reason}`;
}
