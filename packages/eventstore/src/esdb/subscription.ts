import { BACKWARDS, END, START, type AllStreamSubscription, type EventStoreDBClient, type Position as DriverPosition } from '@eventstore/db-client';
import type { Logger } from '@herald/kit';
import type { EventFilter, Position, RecordedEvent, StartFrom, SubscribeOptions, Subscription } from '../port.js';
import { decodePosition } from '../position.js';
import { serverFilter, toPortPosition, toRecordedEvent } from './mapping.js';

export interface EsdbSubscriptionDeps {
  readonly client: EventStoreDBClient;
  readonly logger: Logger | undefined;
  /** How long a subscription may sit silent while wanted events exist beyond it. */
  readonly watchdogIntervalMs: number;
}

const resubscribeDelayMs = 1000;
const newestScan = 50;

export function toDriverPosition(position: Position): DriverPosition {
  const { high, low } = decodePosition(position);
  return { commit: high, prepare: low };
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** The newest event of the whole log, system events included: where 'end' begins. */
export async function lastLogPosition(client: EventStoreDBClient): Promise<Position | 'start'> {
  for await (const resolved of client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 })) {
    const p = resolved.event?.position;
    if (p) return toPortPosition(p);
  }
  return 'start';
}

/** The newest event this subscription wants, looking back a little way from the end. */
async function newestWanted(client: EventStoreDBClient, filter: EventFilter | undefined): Promise<Position | undefined> {
  for await (const resolved of client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: newestScan })) {
    const event = toRecordedEvent(resolved, filter);
    if (event) return event.position;
  }
  return undefined;
}

/**
 * A catch-up subscription that survives its gRPC stream: when the stream fails, ends,
 * or dies silently (the watchdog sees wanted events beyond the last one delivered while
 * the subscription waits for data), it resubscribes after the last delivered position,
 * so the consumer sees neither a gap nor a duplicate.
 */
export function esdbSubscription(deps: EsdbSubscriptionDeps, options: SubscribeOptions & { readonly from: StartFrom }): Subscription {
  const abort = new AbortController();
  options.signal?.addEventListener('abort', () => abort.abort(), { once: true });
  if (options.signal?.aborted) abort.abort();
  let current: AllStreamSubscription | undefined;
  abort.signal.addEventListener('abort', () => current?.unsubscribe().catch(() => undefined), { once: true });
  const start: Promise<Position | 'start'> = options.from === 'end' ? lastLogPosition(deps.client) : Promise.resolve(options.from === 'start' ? 'start' : options.from.after);
  start.catch(() => undefined);

  async function* events(): AsyncGenerator<RecordedEvent> {
    let last = await start;
    let waitingSince: number | undefined;
    const watchdog = setInterval(() => {
      if (waitingSince === undefined || Date.now() - waitingSince < deps.watchdogIntervalMs) return;
      newestWanted(deps.client, options.filter)
        .then((newest) => {
          if (newest && (last === 'start' || newest > last) && waitingSince !== undefined) {
            deps.logger?.warn({ last, newest }, 'eventstore: subscription silent while events wait; resubscribing');
            current?.destroy(new Error('watchdog: subscription stopped delivering'));
          }
        })
        .catch(() => undefined);
    }, Math.max(100, Math.floor(deps.watchdogIntervalMs / 2)));
    try {
      while (!abort.signal.aborted) {
        const subscription = deps.client.subscribeToAll({
          fromPosition: last === 'start' ? START : toDriverPosition(last),
          filter: serverFilter(options.filter),
        });
        current = subscription;
        const iterator = subscription[Symbol.asyncIterator]();
        try {
          for (;;) {
            waitingSince = Date.now();
            const next = await iterator.next();
            waitingSince = undefined;
            if (next.done || abort.signal.aborted) break;
            const event = toRecordedEvent(next.value, options.filter);
            if (!event || (last !== 'start' && event.position <= last)) continue;
            last = event.position;
            yield event;
          }
        } catch (error) {
          if (abort.signal.aborted) return;
          deps.logger?.warn({ err: error }, 'eventstore: subscription to $all failed; resubscribing');
        } finally {
          waitingSince = undefined;
          await subscription.unsubscribe().catch(() => undefined);
        }
        await pause(resubscribeDelayMs, abort.signal);
      }
    } finally {
      clearInterval(watchdog);
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
