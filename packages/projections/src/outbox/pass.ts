import type pg from 'pg';
import type { Broker } from './broker.js';
import type { HistoryWriter } from './history.js';
import { publishBatch } from './publish.js';
import { deleteOutbox, readOutbox, type BatchLimits } from './rows.js';
import { readLane, settleLane, type ShardLane } from './shards.js';

export interface PassOptions {
  readonly limits: BatchLimits;
  /** Most batches published and not yet confirmed and deleted. */
  readonly inFlight: number;
  /** Aborted: read no further batch, but finish (confirm and delete) those in flight. */
  readonly signal: AbortSignal;
  /** Where each batch is recorded for resuming readers, before it is published. */
  readonly history?: HistoryWriter;
  /** One shard of several: only its recipients, and rows deleted once every shard relayed them. */
  readonly lane?: ShardLane;
  /** The session's one queue, shared by the lanes of every shard (see sessionQueue). */
  readonly onSession?: SessionQueue;
}

/**
 * Relays the outbox from the row after `after` until a batch comes back short (caught
 * up: fewer rows than either limit allows). The next batch is read while this one is published, and up to `inFlight` batches
 * wait for their confirms at once; each is deleted once all of its own are in. Returns
 * when every batch it published is confirmed and deleted, and throws on the first that
 * is not: the caller then drops the connection (failing the rest) and starts over.
 */
export async function relayPass(
  session: pg.ClientBase, broker: Broker, exchange: string, options: PassOptions, after: string,
  onRelayed: (batch: { rows: number; messages: number }) => void,
): Promise<{ relayed: number; last: string }> {
  const inFlight = new Set<Promise<void>>();
  const onSession = options.onSession ?? sessionQueue();
  const { lane } = options;
  const read = (from: string) => onSession(() => (lane ? readLane(session, lane, from, options.limits) : readOutbox(session, from, options.limits)));
  let relayed = 0;
  let last = after;
  let next = read(after);
  for (;;) {
    const batch = await next;
    const full = batch.full && !options.signal.aborted;
    if (full) next = quiet(read(batch.last));
    // A shard's batch may hold rows with no recipient on it: no message, but marked all the same.
    if (batch.rows > 0) {
      // History first: a post any socket got live is already there for a client resuming.
      await options.history?.write(batch.messages);
      const { confirmed } = await publishBatch(broker, exchange, batch.messages);
      last = batch.last;
      track(inFlight, confirmed.then(() => onSession(() => (lane ? settleLane(session, lane, batch.ranges) : deleteOutbox(session, batch.ranges)))).then(() => {
        relayed += batch.rows;
        onRelayed({ rows: batch.rows, messages: batch.messages.length });
      }));
    }
    while (inFlight.size >= options.inFlight) await Promise.race(inFlight);
    if (!full) break;
  }
  await Promise.all(inFlight);
  return { relayed, last };
}

/**
 * Runs work on the session one query at a time, in call order: reads and deletes of
 * batches in flight overlap in time, and a pg client must not be given a second query
 * while one runs (deprecated in pg 8, an error in pg 9).
 */
export type SessionQueue = <T>(work: () => Promise<T>) => Promise<T>;

export function sessionQueue(): SessionQueue {
  let tail: Promise<unknown> = Promise.resolve();
  return (work) => {
    const result = tail.then(work);
    tail = result.catch(() => undefined);
    return result;
  };
}

function track(inFlight: Set<Promise<void>>, work: Promise<void>): void {
  const tracked = quiet(work.finally(() => inFlight.delete(tracked)));
  inFlight.add(tracked);
}

/** The same promise, its rejection still seen by whoever awaits it, but never unhandled. */
function quiet<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}
