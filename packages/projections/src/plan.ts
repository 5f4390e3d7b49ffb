import { isHeraldEventType, parseEvent } from '@herald/contracts';
import type { RecordedEvent } from '@herald/eventstore';
import type { ProjectedEvent, Projection } from './projection.js';
import type { Statement } from './sql.js';

/** Where each projection stands: name -> the position of the last event it applied. */
export type Checkpoints = ReadonlyMap<string, string>;

export interface SkippedEvent {
  readonly eventId: string;
  readonly position: string;
  readonly type: string;
  readonly reason: string;
}

export interface EventPlan {
  readonly event: RecordedEvent;
  readonly statements: readonly Statement[];
}

export interface BatchPlan {
  readonly events: readonly EventPlan[];
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
  const events: EventPlan[] = [];
  const skipped: SkippedEvent[] = [];
  for (const recorded of batch) {
    const behind = projections.filter((p) => recorded.position > (checkpoints.get(p.name) ?? ''));
    if (behind.length === 0) continue;
    if (!isHeraldEventType(recorded.type)) {
      skipped.push({ eventId: recorded.id, position: recorded.position, type: recorded.type, reason: 'unknown event type' });
      continue;
    }
    const interested = behind.filter((p) => p.handles.some((t) => t === recorded.type));
    if (interested.length === 0) continue;
    const parsed = projectedEvent(recorded);
    if (!parsed.ok) {
      skipped.push({ eventId: recorded.id, position: recorded.position, type: recorded.type, reason: parsed.reason });
      continue;
    }
    events.push({ event: recorded, statements: interested.flatMap((p) => p.evolve(parsed.projected)) });
  }
  return { events, skipped, checkpoints: advance(projections, checkpoints, batch) };
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
