import { isHeraldEventType, parseEvent } from '@herald/contracts';
import type { RecordedEvent } from '@herald/eventstore';
import type { ProjectedEvent, Projection } from './projection.js';
import { splitRuns } from './runs.js';
import type { Statement } from './sql.js';

/** Where each projection stands: name -> the position of the last event it applied. */
export type Checkpoints = ReadonlyMap<string, string>;

export interface SkippedEvent {
  readonly eventId: string;
  readonly position: string;
  readonly type: string;
  readonly reason: string;
  /** The projections that did not apply it. */
  readonly projections: readonly string[];
}

export interface PlannedEvent {
  readonly recorded: RecordedEvent;
  readonly projected: ProjectedEvent;
  /** The projections that apply it: those that handle its type and have not applied it yet. */
  readonly projections: readonly Projection[];
  /** Every projection that has not applied it yet, whether it handles its type or not. */
  readonly behind: readonly Projection[];
}

export interface BatchPlan {
  readonly events: readonly PlannedEvent[];
  readonly skipped: readonly SkippedEvent[];
  /** Every projection's checkpoint after the batch (the last position it has seen). */
  readonly checkpoints: Checkpoints;
}

export function projectedEvent(recorded: RecordedEvent): { ok: true; projected: ProjectedEvent } | { ok: false; reason: string } {
  const parsed = parseEvent(recorded.type, recorded.data, recorded.metadata);
  if (!parsed.ok) return parsed;
  return { ok: true, projected: { event: parsed.event, eventId: recorded.id, position: recorded.position, createdAt: recorded.createdAt } };
}

/**
 * What a batch does to a set of projections, decided without I/O: each event goes, in
 * list order, to every projection that handles it and has not applied it yet (its
 * checkpoint is below the event's position). That filter is what makes a batch
 * delivered twice change nothing. Bad or unknown events are skipped, never thrown.
 */
export function planBatch(projections: readonly Projection[], checkpoints: Checkpoints, batch: readonly RecordedEvent[]): BatchPlan {
  const events: PlannedEvent[] = [];
  const skipped: SkippedEvent[] = [];
  for (const recorded of batch) {
    const behind = projections.filter((p) => recorded.position > (checkpoints.get(p.name) ?? ''));
    if (behind.length === 0) continue;
    if (!isHeraldEventType(recorded.type)) {
      skipped.push({ eventId: recorded.id, position: recorded.position, type: recorded.type, reason: 'unknown event type', projections: behind.map((p) => p.name) });
      continue;
    }
    const interested = behind.filter((p) => p.handles.some((t) => t === recorded.type));
    if (interested.length === 0) continue;
    const parsed = projectedEvent(recorded);
    if (!parsed.ok) {
      skipped.push({ eventId: recorded.id, position: recorded.position, type: recorded.type, reason: parsed.reason, projections: interested.map((p) => p.name) });
      continue;
    }
    events.push({ recorded, projected: parsed.projected, projections: interested, behind });
  }
  return { events, skipped, checkpoints: advance(projections, checkpoints, batch) };
}

/**
 * The statements that apply planned events: run by run (see runs.ts), each run to every
 * projection of `projections` in their order, so a projection reading another's table
 * sees it as of the end of the previous run, or of this one if listed after it.
 *
 * A run also ends where projections' checkpoints part (after a rebuild from a position,
 * or on the outbox's first start at the log's head): what one projection reads of
 * another's table as of the run's start must not lack events the reader skips.
 *
 * `bulk`: a rebuild's first pass, where projections with a bulk build write only its bookkeeping.
 */
export function statementsFor(projections: readonly Projection[], events: readonly PlannedEvent[], bulk = false): Statement[] {
  const statements: Statement[] = [];
  const sameBehind = (a: PlannedEvent, b: PlannedEvent) => a.behind.length === b.behind.length && a.behind.every((p, i) => p === b.behind[i]);
  for (const run of splitRuns(events, (e) => e.projected.event.type, sameBehind)) {
    for (const projection of projections) {
      const mine = run.filter((e) => e.projections.includes(projection)).map((e) => e.projected);
      if (mine.length === 0) continue;
      statements.push(...(bulk && projection.bulk ? projection.bulk.project(mine) : projection.project(mine)));
    }
  }
  return statements;
}

function advance(projections: readonly Projection[], checkpoints: Checkpoints, batch: readonly RecordedEvent[]): Checkpoints {
  const last = batch.at(-1)?.position;
  const next = new Map(checkpoints);
  for (const p of projections) {
    const current = checkpoints.get(p.name) ?? '';
    next.set(p.name, last !== undefined && last > current ? last : current);
  }
  return next;
}
