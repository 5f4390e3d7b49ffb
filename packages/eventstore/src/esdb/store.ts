import { BACKWARDS, END, EventStoreDBClient, FORWARDS, START, type AllStreamResolvedEvent, type ResolvedEvent } from '@eventstore/db-client';
import { openSubscriptions } from '../open-subscriptions.js';
import type { Logger } from '@herald/kit';
import { EventStoreInputError } from '../errors.js';
import type { EventFilter, EventStore, Position, ReadAllResult, RecordedEvent, StartFrom } from '../port.js';
import {
  checkExpectedRevision, checkFilter, checkMaxCount, checkPosition, checkReadStreamOptions, checkStartFrom, checkStreamName,
  defaultMaxEventBytes, serialiseEvents,
} from '../validation.js';
import { toDriverPosition, toEventData, toPortPosition, toRecordedEvent, translateError } from './mapping.js';
import { newestWanted, readBackwards } from './newest.js';
import { esdbSubscription, lastLogPosition } from './subscription.js';

export interface EsdbEventStoreOptions {
  /** An esdb:// or esdb+discover:// connection string. */
  readonly connectionString: string;
  readonly logger?: Logger;
  readonly maxEventBytes?: number;
  /** How long a subscription may stay silent while wanted events wait; 15 s by default. */
  readonly watchdogIntervalMs?: number;
}

async function collect<T, R>(read: AsyncIterable<T>, map: (item: T) => R | undefined): Promise<{ items: R[]; seen: number; last: T | undefined }> {
  const items: R[] = [];
  let seen = 0;
  let last: T | undefined;
  for await (const item of read) {
    seen += 1;
    last = item;
    const mapped = map(item);
    if (mapped !== undefined) items.push(mapped);
  }
  return { items, seen, last };
}

/**
 * A window of $all after `from`: system events and unwanted ones are dropped here, and
 * the next batch starts after the window, wanted or not (as in the PostgreSQL store).
 */
async function readAllWindow(client: EventStoreDBClient, from: StartFrom, maxCount: number, filter: EventFilter | undefined): Promise<ReadAllResult> {
  const start: Position | 'start' = from === 'start' ? 'start' : from === 'end' ? await lastLogPosition(client) : from.after;
  if (from === 'end') return { events: [], next: start === 'start' ? 'start' : { after: start }, caughtUp: true };
  // A read from a position includes the event at it; the port's {after} does not.
  const skipFirst = start !== 'start';
  const read = client.readAll({ direction: FORWARDS, fromPosition: start === 'start' ? START : toDriverPosition(start), maxCount: maxCount + (skipFirst ? 1 : 0) });
  const window = await collect(read, (resolved: AllStreamResolvedEvent) => ({
    event: toRecordedEvent(resolved, filter),
    position: resolved.event?.position ? toPortPosition(resolved.event.position) : undefined,
  }));
  const entries = window.items.filter((entry) => entry.position !== undefined && (start === 'start' || entry.position > start));
  const events = entries.flatMap((entry) => (entry.event ? [entry.event] : []));
  const lastPosition = entries[entries.length - 1]?.position;
  return { events, next: lastPosition ? { after: lastPosition } : from, caughtUp: window.seen < maxCount + (skipFirst ? 1 : 0) };
}

async function positionOfRevision(client: EventStoreDBClient, stream: string, revision: bigint): Promise<Position> {
  for await (const resolved of client.readStream(stream, { direction: BACKWARDS, fromRevision: revision, maxCount: 1 })) {
    const p = resolved.event?.position;
    if (p) return toPortPosition(p);
  }
  throw new Error(`no event at revision ${revision} of ${stream}`);
}

function connect(connectionString: string): EventStoreDBClient {
  try {
    return EventStoreDBClient.connectionString(connectionString);
  } catch (error) {
    throw new EventStoreInputError('invalid_option', `not an EventStoreDB connection string: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** The event store over EventStoreDB: the adapter only translates to and from the port. */
export function createEsdbEventStore(options: EsdbEventStoreOptions): EventStore {
  const client = connect(options.connectionString);
  const maxEventBytes = options.maxEventBytes ?? defaultMaxEventBytes;
  const subscriptions = openSubscriptions();

  async function headPosition(): Promise<Position | null> {
    try {
      return (await newestWanted(readBackwards(client), undefined)) ?? null;
    } catch (error) {
      throw translateError(error, 'reading the head of $all');
    }
  }

  return {
    async append(stream, events, appendOptions) {
      const name = checkStreamName(stream);
      const expected = checkExpectedRevision(appendOptions);
      const serialised = serialiseEvents(events, maxEventBytes);
      try {
        const result = await client.appendToStream(name, serialised.map((e, i) => toEventData(e, events[i]?.data)), { expectedRevision: expected });
        const nextExpectedRevision = BigInt(result.nextExpectedRevision);
        // Some servers answer an idempotent (repeated) append without a position.
        const position = result.position ? toPortPosition(result.position) : await positionOfRevision(client, name, nextExpectedRevision);
        return { nextExpectedRevision, position };
      } catch (error) {
        throw translateError(error, `appending to ${name}`, name, expected);
      }
    },
    async readStream(stream, readOptions) {
      const name = checkStreamName(stream);
      const checked = checkReadStreamOptions(readOptions);
      try {
        const read = client.readStream(name, {
          direction: checked.direction === 'forwards' ? FORWARDS : BACKWARDS,
          fromRevision: checked.fromRevision === 'start' ? START : checked.fromRevision === 'end' ? END : checked.fromRevision,
          ...(checked.maxCount === undefined ? {} : { maxCount: checked.maxCount }),
        });
        return (await collect<ResolvedEvent, RecordedEvent>(read, (resolved) => toRecordedEvent(resolved))).items;
      } catch (error) {
        throw translateError(error, `reading ${name}`, name);
      }
    },
    async readAll(readOptions) {
      const from = checkStartFrom(readOptions.from ?? 'start');
      const maxCount = checkMaxCount(readOptions.maxCount, false) ?? 1;
      const filter = checkFilter(readOptions.filter);
      try {
        return await readAllWindow(client, from, maxCount, filter);
      } catch (error) {
        throw translateError(error, 'reading $all');
      }
    },
    async readEventAt(position) {
      const at = checkPosition(position);
      try {
        // A read of $all from an event's own position starts with that event.
        for await (const resolved of client.readAll({ direction: FORWARDS, fromPosition: toDriverPosition(at), maxCount: 1 })) {
          const event = toRecordedEvent(resolved);
          return event?.position === at ? event : null;
        }
        return null;
      } catch (error) {
        throw translateError(error, `reading the event at ${at}`);
      }
    },
    subscribeToAll(subscribeOptions) {
      const from = checkStartFrom(subscribeOptions.from);
      const filter = checkFilter(subscribeOptions.filter);
      const subscription = esdbSubscription(
        { client, logger: options.logger, watchdogIntervalMs: options.watchdogIntervalMs ?? 15_000 },
        { ...subscribeOptions, from, filter },
      );
      return subscriptions.track(subscription);
    },
    headPosition,
    // Every event EventStoreDB acknowledged is readable: its head is everything committed.
    committedHead: headPosition,
    async ping() {
      try {
        await lastLogPosition(client);
      } catch (error) {
        throw translateError(error, 'pinging');
      }
    },
    async close() {
      await subscriptions.closeAll();
      await client.dispose();
    },
  };
}
