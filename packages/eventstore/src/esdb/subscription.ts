import { BACKWARDS, END, START, type AllStreamSubscription, type EventStoreDBClient } from '@eventstore/db-client';
import type { Logger } from '@herald/kit';
import type { EventFilter, Position, RecordedEvent, StartFrom, SubscribeOptions, Subscription } from '../port.js';
import { serverFilter, toDriverPosition, toPortPosition, toRecordedEvent, unreadableData } from './mapping.js';
import { newestWanted, readBackwards } from './newest.js';

export interface EsdbSubscriptionDeps {
  readonly client: EventStoreDBClient;
  readonly logger: Logger | undefined;
  /** How long a subscription may sit silent while wanted events exist beyond it. */
  readonly watchdogIntervalMs: number;
}

const resubscribeDelayMs = 1000;
/**
 * How far back the watchdog looks for a wanted event beyond the last one delivered: far
 * enough for any burst of unwanted events between two looks, and bounded, since it looks
 * every half interval for as long as the subscription waits.
 */
const watchdogScan = { pageSize: 500, maxEvents: 10_000 };

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

interface FollowState {
  /** The last position delivered: where a resubscription starts. */
  last: Position | 'start';
  /** Since when the subscription has been waiting for the server, if it is. */
  waitingSince: number | undefined;
  current: AllStreamSubscription | undefined;
}

/** Hands out one gRPC subscription's events, skipping any at or before the last delivered. */
async function* deliver(
  subscription: AllStreamSubscription, state: FollowState, filter: EventFilter | undefined, signal: AbortSignal, logger: Logger | undefined,
): AsyncGenerator<RecordedEvent> {
  const iterator = subscription[Symbol.asyncIterator]();
  for (;;) {
    state.waitingSince = Date.now();
    const next = await iterator.next();
    state.waitingSince = undefined;
    if (next.done || signal.aborted) return;
    const event = toRecordedEvent(next.value, filter);
    if (!event || (state.last !== 'start' && event.position <= state.last)) continue;
    if (unreadableData(next.value, event)) {
      logger?.warn({ eventId: event.id, stream: event.streamId, type: event.type, position: event.position }, 'eventstore: event data is not JSON; handed on with null data');
    }
    state.last = event.position;
    yield event;
  }
}

/**
 * The watchdog: a subscription that has waited a whole interval while an event it
 * wants exists beyond the last one delivered has died silently; destroying its stream
 * makes the follower resubscribe. Returns the function that stops watching.
 */
function watchForSilence(deps: EsdbSubscriptionDeps, filter: EventFilter | undefined, state: FollowState): () => void {
  const timer = setInterval(() => {
    if (state.waitingSince === undefined || Date.now() - state.waitingSince < deps.watchdogIntervalMs) return;
    newestWanted(readBackwards(deps.client), filter, { ...watchdogScan, after: state.last === 'start' ? undefined : state.last })
      .then((newest) => {
        if (newest && (state.last === 'start' || newest > state.last) && state.waitingSince !== undefined) {
          deps.logger?.warn({ last: state.last, newest }, 'eventstore: subscription silent while events wait; resubscribing');
          state.current?.destroy(new Error('watchdog: subscription stopped delivering'));
        }
      })
      .catch(() => undefined);
  }, Math.max(100, Math.floor(deps.watchdogIntervalMs / 2)));
  return () => clearInterval(timer);
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
  abort.signal.addEventListener('abort', () => void current?.unsubscribe().catch(() => undefined), { once: true });
  const start: Promise<Position | 'start'> = options.from === 'end' ? lastLogPosition(deps.client) : Promise.resolve(options.from === 'start' ? 'start' : options.from.after);
  start.catch(() => undefined);

  async function* events(): AsyncGenerator<RecordedEvent> {
    const state: FollowState = { last: await start, waitingSince: undefined, current: undefined };
    const stopWatchdog = watchForSilence(deps, options.filter, state);
    try {
      while (!abort.signal.aborted) {
        const subscription = deps.client.subscribeToAll({
          fromPosition: state.last === 'start' ? START : toDriverPosition(state.last),
          filter: serverFilter(options.filter),
        });
        current = state.current = subscription;
        try {
          yield* deliver(subscription, state, options.filter, abort.signal, deps.logger);
        } catch (error) {
          if (abort.signal.aborted) return;
          deps.logger?.warn({ err: error }, 'eventstore: subscription to $all failed; resubscribing');
        } finally {
          state.waitingSince = undefined;
          await subscription.unsubscribe().catch(() => undefined);
        }
        await pause(resubscribeDelayMs, abort.signal);
      }
    } finally {
      stopWatchdog();
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
