import type pg from 'pg';
import type { Broker } from './broker.js';
import type { HistoryWriter } from './history.js';
import { publishBatch, type BatchOutcome } from './publish.js';
import { deleteOutbox, parkOutbox, parkShardPart, readOutbox, type BatchLimits, type OutboxBatch, type OutboxMessage } from './rows.js';
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
  /** Longest wait for a batch's confirms before the pass fails. */
  readonly confirmTimeoutMs: number;
  /** Refusals (basic.nack) of each row so far; a row refused `parkAfter` times in a row is parked. */
  readonly refusals: Map<string, number>;
  readonly parkAfter: number;
}

/** What a batch came to once RabbitMQ answered it. */
export interface RelayedBatch {
  /** Rows confirmed and deleted. */
  readonly rows: number;
  readonly messages: number;
  /** Rows refused and left for a later pass. */
  readonly refused: number;
  /** Rows refused once too often, moved to outbox_parked. */
  readonly parked: readonly { eventId: string; rowId: string }[];
  /** For each row confirmed that says when its event was committed to the log: from then to RabbitMQ's confirm, in ms. */
  readonly lagsMs: readonly number[];
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
  onRelayed: (batch: RelayedBatch) => void,
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
      const { confirmed } = await publishBatch(broker, exchange, batch.messages, options.confirmTimeoutMs);
      last = batch.last;
      track(inFlight, confirmed.then((outcome) => {
        const confirmedAt = Date.now();
        return onSession(() => settleBatch(session, batch, outcome, options, confirmedAt));
      }).then((settled) => {
        relayed += settled.rows;
        onRelayed(settled);
      }));
    }
    while (inFlight.size >= options.inFlight) await Promise.race(inFlight);
    if (!full) break;
  }
  await Promise.all(inFlight);
  return { relayed, last };
}

/**
 * Deletes a batch's rows once RabbitMQ answered all of its messages. A row it refused
 * stays for a later pass (the relay goes back to the lowest row after this pass), unless it was
 * refused `parkAfter` times in a row: then it is parked, so it cannot hold back the
 * notifications behind it forever.
 */
async function settleBatch(session: pg.ClientBase, batch: OutboxBatch, outcome: BatchOutcome, options: PassOptions, confirmedAt: number): Promise<RelayedBatch> {
  const refusedRows = new Map(outcome.refused.map((m) => [m.rowId, m.eventId]));
  for (const message of batch.messages) if (!refusedRows.has(message.rowId)) options.refusals.delete(message.rowId);
  const parked: { eventId: string; rowId: string }[] = [];
  for (const [rowId, eventId] of refusedRows) {
    const times = (options.refusals.get(rowId) ?? 0) + 1;
    if (times < options.parkAfter) options.refusals.set(rowId, times);
    else {
      options.refusals.delete(rowId);
      parked.push({ eventId, rowId });
    }
  }
  const reason = `refused by RabbitMQ (basic.nack) ${options.parkAfter} times in a row`;
  const parkedIds = new Set(parked.map((p) => p.rowId));
  // Still being retried: left unrelayed. A parked row is gone from the outbox, or, on a shard, marked relayed there.
  const kept = [...refusedRows.keys()].filter((rowId) => !parkedIds.has(rowId));
  if (options.lane) {
    if (parked.length > 0) await parkShardPart(session, options.lane.shard, parked.map(({ rowId }) => ({ rowId, recipients: recipientsOf(batch, rowId) })), reason);
    await settleLane(session, options.lane, batch.ranges, kept);
  } else {
    if (parked.length > 0) await parkOutbox(session, [...parkedIds], reason);
    await deleteOutbox(session, batch.ranges, kept);
  }
  const confirmed = batch.messages.filter((m) => !refusedRows.has(m.rowId));
  return { rows: batch.rows - refusedRows.size, messages: confirmed.length, refused: refusedRows.size - parked.length, parked, lagsMs: lagsOf(confirmed, confirmedAt) };
}

/** One lag per row (its first part), for rows that carry their commit time. */
function lagsOf(messages: readonly OutboxMessage[], confirmedAt: number): number[] {
  const seen = new Set<string>();
  const lags: number[] = [];
  for (const { rowId, committedAtMs } of messages) {
    if (committedAtMs === undefined || seen.has(rowId)) continue;
    seen.add(rowId);
    lags.push(confirmedAt - committedAtMs);
  }
  return lags;
}

/** A row's recipients over all of its messages in the batch (on a shard: that shard's). */
function recipientsOf(batch: OutboxBatch, rowId: string): string[] {
  return batch.messages.filter((m) => m.rowId === rowId).flatMap((m) => JSON.parse(m.recipients) as string[]);
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
