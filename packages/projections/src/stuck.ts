import { ConsumerFailure } from './consumer.js';

/**
 * Where the live projector is stuck, if it is: the failure it keeps retrying (anything
 * but a bad record, which is skipped), since when, and what it cannot get past. What
 * /readyz and the metrics show.
 */
export interface Stuck {
  readonly since: Date;
  /** Failed attempts in a row. */
  readonly attempts: number;
  /** Reading (checkpoints, the log, the checks before following it) or applying a batch. */
  readonly stage: 'read' | 'apply';
  /** What it was doing, and where: the batch's first event, or the position it reads after. */
  readonly doing: string;
  readonly reason: string;
  /** The first event of the batch that fails to apply, or the position it resumes after (null: unknown). */
  readonly position: string | null;
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
    this.current = {
      since: this.current?.since ?? new Date(),
      attempts: (this.current?.attempts ?? 0) + 1,
      stage: failure?.stage ?? 'read',
      doing: failure?.doing ?? 'checking the log before following it',
      reason: cause(error),
      position: failure ? (failure.batch[0]?.position ?? failure.after) : (this.current?.position ?? null),
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
  const attempts = `${stuck.attempts} failed attempt${stuck.attempts === 1 ? '' : 's'}`;
  return `stuck since ${stuck.since.toISOString()} (${attempts}) ${stuck.doing}: ${stuck.reason}`;
}
