import { lagBuckets } from '@herald/kit';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { RecordedEvent } from '@herald/eventstore';
import type { BatchOutcome } from './apply.js';
import type { Stuck } from './stuck.js';

export interface ProjectorMetrics {
  observe(events: readonly RecordedEvent[], outcome: BatchOutcome, committedAt: number): void;
  /** A failed attempt to follow the log. */
  failed(stuck: Stuck): void;
}

/** Longest reason kept as a label value: enough to recognise the error. */
const reasonLabelChars = 200;

export function projectorMetrics(registry: Registry, stuckNow: () => Stuck | undefined): ProjectorMetrics {
  const registers = [registry];
  const lag = new Histogram({
    name: 'herald_projector_lag_seconds',
    help: 'From an event committed to the log to its read-model changes committed',
    buckets: [...lagBuckets],
    registers,
  });
  const events = new Counter({ name: 'herald_projector_events_total', help: 'Events read from the log', labelNames: ['outcome'], registers });
  const skipped = new Counter({
    name: 'herald_projector_skipped_events_total',
    help: 'Recorded events no projection could apply (bad, unknown or refused), logged and skipped',
    labelNames: ['type'],
    registers,
  });
  const batches = new Histogram({ name: 'herald_projector_batch_events', help: 'Events per committed batch', buckets: [1, 10, 100, 1000, 10000], registers });
  new Gauge({
    name: 'herald_projector_stuck',
    help: '1 while the projector retries a failure it cannot get past (see /readyz for where), 0 while it makes progress',
    registers,
    collect() {
      this.set(stuckNow() ? 1 : 0);
    },
  });
  new Gauge({
    name: 'herald_projector_stuck_seconds',
    help: 'How long the projector has been stuck; 0 when it is not',
    registers,
    collect() {
      const stuck = stuckNow();
      this.set(stuck ? (Date.now() - stuck.since.getTime()) / 1000 : 0);
    },
  });
  const failures = new Counter({ name: 'herald_projector_failures_total', help: 'Failed attempts to follow the log, by stage (read or apply)', labelNames: ['stage'], registers });
  const lastFailure = new Gauge({
    name: 'herald_projector_last_failure_info',
    help: 'The last failure to follow the log (1): its stage, the position of the batch or checkpoint, and the reason',
    labelNames: ['stage', 'position', 'reason'],
    registers,
  });
  return {
    observe(batch, outcome, committedAt) {
      for (const event of batch) lag.observe((committedAt - event.createdAt.getTime()) / 1000);
      events.inc({ outcome: 'applied' }, batch.length - outcome.skipped.length);
      for (const s of outcome.skipped) {
        events.inc({ outcome: 'skipped' });
        skipped.inc({ type: s.type });
      }
      batches.observe(batch.length);
    },
    failed(stuck) {
      failures.inc({ stage: stuck.stage });
      lastFailure.reset();
      lastFailure.set({ stage: stuck.stage, position: stuck.position ?? '', reason: stuck.reason.slice(0, reasonLabelChars) }, 1);
    },
  };
}
