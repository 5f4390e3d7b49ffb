import {
  excludeSystemEvents, eventTypeFilter, MaxAppendSizeExceededError, streamNameFilter, WrongExpectedVersionError as DriverWrongExpectedVersionError,
  StreamNotFoundError as DriverStreamNotFoundError, type AllStreamResolvedEvent, type EventData, type Filter,
  type JSONType, type Position as DriverPosition, type ResolvedEvent,
} from '@eventstore/db-client';
import { EventStoreError, EventStoreInputError, EventStoreUnavailableError, StreamNotFoundError, WrongExpectedVersionError } from '../errors.js';
import type { ActualRevision, EventFilter, ExpectedRevision, JsonValue, Position, RecordedEvent } from '../port.js';
import { decodePosition, encodePosition } from '../position.js';
import { matchesFilter, type SerialisedEvent } from '../validation.js';

const encoder = new TextEncoder();

export function toPortPosition(position: DriverPosition): Position {
  return encodePosition(BigInt(position.commit), BigInt(position.prepare));
}

export function toDriverPosition(position: Position): DriverPosition {
  const { high, low } = decodePosition(position);
  return { commit: high, prepare: low };
}

/** Data goes as JSON; metadata as the JSON bytes already checked, so `null` and `0` survive. */
export function toEventData(event: SerialisedEvent, data: unknown): EventData {
  return {
    id: event.id,
    contentType: 'application/json',
    type: event.type,
    data: data as JSONType,
    metadata: encoder.encode(event.metadata),
  };
}

function isSystem(event: { readonly streamId: string; readonly type: string }): boolean {
  return event.streamId.startsWith('$') || event.type.startsWith('$');
}

/**
 * Data or metadata as JSON. Another client may have written bytes that are not JSON
 * (any content type): they read as null, so the event is still handed on and the
 * projector skips it as unreadable, instead of this throwing, which made a
 * subscription resubscribe at the same event for ever.
 */
function json(value: unknown): JsonValue {
  if (value instanceof Uint8Array) {
    try {
      return JSON.parse(Buffer.from(value).toString('utf8')) as JsonValue;
    } catch {
      return null;
    }
  }
  return value === undefined ? null : (value as JsonValue);
}

/** Whether an event's data was bytes that do not read as JSON (handed on as null data). */
export function unreadableData(resolved: ResolvedEvent | AllStreamResolvedEvent, event: RecordedEvent): boolean {
  return event.data === null && resolved.event?.data instanceof Uint8Array;
}

/**
 * The port's event, or undefined for what the port never shows: system events,
 * unresolved links, and events the filter does not want. Every revision and position
 * is coerced with BigInt, whatever the driver's version hands back.
 */
export function toRecordedEvent(resolved: ResolvedEvent | AllStreamResolvedEvent, filter?: EventFilter): RecordedEvent | undefined {
  const event = resolved.event;
  if (!event?.position || isSystem(event) || !matchesFilter(filter, event)) return undefined;
  return {
    id: event.id,
    streamId: event.streamId,
    revision: BigInt(event.revision),
    position: toPortPosition(event.position),
    type: event.type,
    data: json(event.data),
    metadata: json(event.metadata),
    createdAt: event.created,
  };
}

/**
 * The server-side part of a filter: EventStoreDB filters on stream names or on event
 * types, not both, and by prefix only; the rest is checked again in toRecordedEvent.
 */
export function serverFilter(filter: EventFilter | undefined): Filter {
  if (filter?.streamPrefixes) return streamNameFilter({ prefixes: [...filter.streamPrefixes] });
  if (filter?.eventTypes && filter.eventTypes.length > 0) return eventTypeFilter({ prefixes: [...filter.eventTypes] });
  return excludeSystemEvents();
}

function actualRevision(actual: unknown): ActualRevision {
  if (actual === 'no_stream' || actual === undefined || actual === null) return 'no_stream';
  const revision = BigInt(actual as bigint | number | string);
  // Older servers report a missing stream as -1.
  return revision < 0n ? 'no_stream' : revision;
}

/** Driver errors never leave the adapter. */
export function translateError(error: unknown, doing: string, stream?: string, expected?: ExpectedRevision): EventStoreError {
  if (error instanceof EventStoreError) return error;
  if (error instanceof DriverWrongExpectedVersionError && stream !== undefined && expected !== undefined) {
    return new WrongExpectedVersionError(stream, expected, actualRevision(error.actualVersion));
  }
  if (error instanceof DriverStreamNotFoundError && stream !== undefined) return new StreamNotFoundError(stream);
  // Bad input, not an outage: retrying the same append can never succeed.
  if (error instanceof MaxAppendSizeExceededError) {
    return new EventStoreInputError('event_too_large', `the events exceed EventStoreDB's largest append (${error.maxAppendSize} bytes) while ${doing}`);
  }
  const reason = error instanceof Error ? error.message : String(error);
  return new EventStoreUnavailableError(`event store (EventStoreDB) failed while ${doing}: ${reason}`, { cause: error });
}
