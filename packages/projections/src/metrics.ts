import { Counter, Histogram, type Registry } from 'prom-client';
import type { RecordedEvent } from '@herald/eventstore';
import type { BatchOutcome } from './apply.js';

export interface ProjectorMetrics {
  observe(events: readonly RecordedEvent[], outcome: BatchOutcome, committedAt: number): void;
}

export function projectorMetrics(registry: Registry): ProjectorMetrics {
  const registers = [registry];
  const lag = new Histogram({
    name: 'herald_projector_lag_seconds',
    help: 'From an event committed to the log to its read-model changes committed',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
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
  };
}
