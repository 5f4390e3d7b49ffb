import { createPostgresPool, type Logger } from '@herald/kit';
import { openSubscriptions } from '../open-subscriptions.js';
import type pg from 'pg';
import type { AppendOptions, AppendResult, EventStore, NewEvent } from '../port.js';
import {
  checkExpectedRevision, checkFilter, checkMaxCount, checkPosition, checkReadStreamOptions, checkStartFrom, checkStreamName,
  defaultMaxEventBytes, serialiseEvents,
} from '../validation.js';
import { appendEvents } from './append.js';
import { checkLogTransactions } from './cluster.js';
import { translateDriverError, type Queryable } from './driver.js';
import { committedHead, endOfLog, headPosition, type EndOfLog } from './head.js';
import { readAllEvents } from './read-all.js';
import { readEventAt } from './read-at.js';
import { readStreamEvents } from './read-stream.js';
import { pollingSubscription } from './subscription.js';
import { Wakeup } from './wakeup.js';

export interface PostgresEventStoreOptions {
  readonly databaseUrl: string;
  readonly logger?: Logger;
  /** Largest data + metadata of one event, in bytes of JSON; 1 MiB by default. */
  readonly maxEventBytes?: number;
  /** Connections in the store's pool; 10 by default. */
  readonly poolSize?: number;
  /** Events a subscription reads per query; 1000 by default. */
  readonly subscriptionBatchSize?: number;
  /** How often an idle subscription looks for events it was not told about; 250 ms by default. */
  readonly pollIntervalMs?: number;
}

/**
 * The store plus what only this package's tests and benchmarks may use: appending
 * inside a caller's own transaction (to hold it open, or roll it back).
 */
export interface PostgresEventStoreInternals {
  readonly store: EventStore;
  readonly pool: pg.Pool;
  appendWithin(client: Queryable, stream: string, events: readonly NewEvent[], options?: AppendOptions): Promise<AppendResult>;
  /** Call after committing appendWithin's transaction. */
  announceAppend(): void;
}

/** How long committedHead() waits for older transactions to end before it fails (its callers retry). */
const committedHeadWaitMs = 10_000;

async function guarded<T>(doing: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw translateDriverError(error, doing);
  }
}

export function openPostgresEventStore(options: PostgresEventStoreOptions): PostgresEventStoreInternals {
  const pool = createPostgresPool({ connectionString: options.databaseUrl, max: options.poolSize ?? 10 });
  pool.on('error', (error) => options.logger?.warn({ err: error }, 'eventstore: idle PostgreSQL connection failed'));
  const maxEventBytes = options.maxEventBytes ?? defaultMaxEventBytes;
  const wakeup = new Wakeup(options.databaseUrl, options.logger);
  const subscriptions = openSubscriptions();
  let closed = false;
  let checked: Promise<void> | undefined;

  /** The log's transaction ids are this cluster's (checked once, then trusted), or nothing is read or appended. */
  function logIsSafe(): Promise<void> {
    checked ??= checkLogTransactions(pool).catch((error: unknown) => {
      checked = undefined;
      throw error;
    });
    return checked;
  }

  /** A read or write of the log, once logIsSafe. */
  function onLog<T>(doing: string, work: () => Promise<T>): Promise<T> {
    return guarded(doing, async () => {
      await logIsSafe();
      return work();
    });
  }

  // The ends of the log being read for subscriptions "from the end" opened just now.
  const endsBeingRead = new Set<Promise<unknown>>();

  function readEndOfLog(): Promise<EndOfLog> {
    const read = onLog('reading the end of the log', () => endOfLog(pool));
    endsBeingRead.add(read);
    void read.catch(() => undefined).finally(() => endsBeingRead.delete(read));
    return read;
  }

  function appendWithin(db: Queryable, stream: string, events: readonly NewEvent[], appendOptions?: AppendOptions): Promise<AppendResult> {
    const name = checkStreamName(stream);
    const expected = checkExpectedRevision(appendOptions);
    const serialised = serialiseEvents(events, maxEventBytes);
    return onLog(`appending to ${name}`, async () => {
      // A subscription from the end opened before this append must see it: on another
      // connection the append could commit before the end is read, and be taken for history.
      if (endsBeingRead.size > 0) await Promise.allSettled([...endsBeingRead]);
      return appendEvents(db, name, serialised, expected);
    });
  }

  const store: EventStore = {
    async append(stream, events, appendOptions) {
      const result = await appendWithin(pool, stream, events, appendOptions);
      wakeup.appended();
      return result;
    },
    async readStream(stream, readOptions) {
      const name = checkStreamName(stream);
      const checked = checkReadStreamOptions(readOptions);
      return guarded(`reading ${name}`, () => readStreamEvents(pool, name, checked));
    },
    async readAll(readOptions) {
      const from = checkStartFrom(readOptions.from ?? 'start');
      const maxCount = checkMaxCount(readOptions.maxCount, false) ?? 1;
      const filter = checkFilter(readOptions.filter);
      return onLog('reading the log', () => readAllEvents(pool, from, maxCount, filter));
    },
    async readEventAt(position) {
      const at = checkPosition(position);
      return guarded(`reading the event at ${at}`, () => readEventAt(pool, at));
    },
    subscribeToAll(subscribeOptions) {
      const from = checkStartFrom(subscribeOptions.from);
      const filter = checkFilter(subscribeOptions.filter);
      const subscription = pollingSubscription(
        {
          readAll: (at, maxCount, f) => onLog('reading the log', () => readAllEvents(pool, at, maxCount, f)),
          endOfLog: readEndOfLog,
          wakeup,
          batchSize: options.subscriptionBatchSize ?? 1000,
          pollIntervalMs: options.pollIntervalMs ?? 250,
        },
        { ...subscribeOptions, from, filter },
      );
      return subscriptions.track(subscription);
    },
    headPosition: () => onLog('reading the head position', () => headPosition(pool)),
    committedHead: () => onLog('reading the committed head', () => committedHead(pool, committedHeadWaitMs)),
    async ping() {
      // Every time, not once: readiness says so while the log is unsafe.
      await guarded('pinging', () => checkLogTransactions(pool));
    },
    async close() {
      if (closed) return;
      closed = true;
      await subscriptions.closeAll();
      await wakeup.close();
      await pool.end();
    },
  };
  return { store, pool, appendWithin, announceAppend: () => wakeup.appended() };
}

/** The event store over PostgreSQL; run migrateEventStore on the database first. */
export function createPostgresEventStore(options: PostgresEventStoreOptions): EventStore {
  return openPostgresEventStore(options).store;
}
