import type { EventFilter, ReadAllResult, RecordedEvent, StartFrom, SubscribeOptions, Subscription } from '../port.js';
import { decodePosition } from '../position.js';
import type { EndOfLog } from './head.js';
import type { Wakeup } from './wakeup.js';

export interface SubscriptionDeps {
  readonly readAll: (from: StartFrom, maxCount: number, filter: EventFilter | undefined) => Promise<ReadAllResult>;
  readonly endOfLog: () => Promise<EndOfLog>;
  readonly wakeup: Wakeup;
  readonly batchSize: number;
  readonly pollIntervalMs: number;
}

/** After a notice that found nothing (an older transaction still running), look again soon. */
const firstRetryMs = 2;

/**
 * Catch-up and live are one loop over the same guarded read, so there is no seam to
 * get wrong: read a batch after the last position handed out, hand it out as the
 * consumer asks (a batch at a time, so a slow consumer holds the reader back), and
 * when nothing is left, wait for a notice or the poll interval.
 */
export function pollingSubscription(deps: SubscriptionDeps, options: SubscribeOptions): Subscription {
  const abort = new AbortController();
  const onAbort = () => abort.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) abort.abort();
  // 'end' means the end when subscribing, not when the consumer first pulls.
  const end = options.from === 'end' ? deps.endOfLog() : undefined;
  end?.catch(() => undefined);

  async function* events(): AsyncGenerator<RecordedEvent> {
    try {
      const endAt = await end;
      let from: StartFrom = endAt ? (endAt.head ? { after: endAt.head } : 'start') : options.from;
      let oldEventsBehind = endAt !== undefined;
      let retryMs = deps.pollIntervalMs;
      let ahead: { seen: number; read: Promise<ReadAllResult> } | undefined;
      while (!abort.signal.aborted) {
        // Notices are counted from when a read begins: one that comes during it means look again.
        const seen = ahead?.seen ?? deps.wakeup.current;
        const batch = await (ahead?.read ?? deps.readAll(from, deps.batchSize, options.filter));
        from = batch.next;
        // While catching up, the next batch is read as this one is handed out: one batch
        // ahead at most, so a slow consumer still holds the reader back.
        ahead = batch.caughtUp ? undefined : { seen: deps.wakeup.current, read: deps.readAll(from, deps.batchSize, options.filter) };
        ahead?.read.catch(() => undefined);
        for (const event of batch.events) {
          if (abort.signal.aborted) return;
          if (oldEventsBehind && endAt) {
            const { high: transactionId } = decodePosition(event.position);
            if (endAt.committedBefore(transactionId)) continue;
            oldEventsBehind = transactionId < endAt.horizon;
          }
          yield event;
        }
        if (!batch.caughtUp) continue;
        await deps.wakeup.wait(seen, retryMs, abort.signal);
        // A notice whose events a read cannot see yet is followed by quick, backing-off looks.
        retryMs = deps.wakeup.current !== seen ? firstRetryMs : Math.min(retryMs * 2, deps.pollIntervalMs);
      }
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  const iterator = events();
  return {
    [Symbol.asyncIterator]: () => iterator,
    async close() {
      abort.abort();
    },
  };
}
