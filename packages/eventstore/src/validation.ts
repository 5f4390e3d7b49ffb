import { EventStoreInputError } from './errors.js';
import type { AppendOptions, EventFilter, ExpectedRevision, NewEvent, Position, ReadStreamOptions, StartFrom } from './port.js';
import { decodePosition } from './position.js';

export const defaultMaxEventBytes = 1024 * 1024;
export const maxStreamNameBytes = 255;
/** Revisions are signed 64-bit in both stores. */
export const maxRevision = (1n << 63n) - 1n;
const maxTypeLength = 255;
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An event checked and serialised once, ready for any adapter to write. */
export interface SerialisedEvent {
  readonly id: string;
  readonly type: string;
  readonly data: string;
  /** `null` (the JSON text) when the writer gave no metadata. */
  readonly metadata: string;
}

export function checkStreamName(stream: unknown): string {
  if (typeof stream !== 'string' || stream.length === 0) {
    throw new EventStoreInputError('invalid_stream_name', 'stream name must be a non-empty string');
  }
  if (Buffer.byteLength(stream) > maxStreamNameBytes) {
    throw new EventStoreInputError('invalid_stream_name', `stream name is longer than ${maxStreamNameBytes} bytes`);
  }
  // `$` streams are EventStoreDB's system streams; NUL cannot be stored in PostgreSQL text.
  if (stream.startsWith('$') || stream.includes('\u0000')) {
    throw new EventStoreInputError('invalid_stream_name', 'stream name must not start with "$" or contain NUL');
  }
  return stream;
}

export function checkExpectedRevision(options: AppendOptions | undefined): ExpectedRevision {
  const expected = options?.expectedRevision ?? 'any';
  if (expected === 'any' || expected === 'no_stream' || expected === 'stream_exists') return expected;
  if (typeof expected === 'bigint' && expected >= 0n && expected <= maxRevision) return expected;
  throw new EventStoreInputError('invalid_revision', `expected revision must be 'any', 'no_stream', 'stream_exists' or a bigint >= 0, got ${String(expected)}`);
}

/**
 * Why a value would not survive a JSON round trip unchanged, or undefined when it
 * would. The path is built only on the way back from a problem, so a good value (the
 * usual case, on every append) costs no string building.
 */
function jsonProblem(value: unknown, seen: Set<object>): string | undefined {
  switch (typeof value) {
    case 'string':
      return value.includes('\u0000') ? ' contains NUL' : undefined;
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : ` is ${value}`;
    case 'object':
      return value === null ? undefined : objectProblem(value, seen);
    default:
      return ` is ${typeof value}`;
  }
}

function objectProblem(value: object, seen: Set<object>): string | undefined {
  if (seen.has(value)) return ' is circular';
  const isArray = Array.isArray(value);
  const proto = Object.getPrototypeOf(value) as unknown;
  if (!isArray && proto !== Object.prototype && proto !== null) return ` is a ${value.constructor?.name ?? 'non-plain object'}`;
  seen.add(value);
  if (isArray) {
    for (let i = 0; i < value.length; i += 1) {
      const problem = jsonProblem(value[i], seen);
      if (problem) return `[${i}]${problem}`;
    }
  } else {
    for (const key in value) {
      if (!Object.hasOwn(value, key)) continue;
      const problem = key.includes('\u0000') ? ' has NUL in a key' : jsonProblem((value as Record<string, unknown>)[key], seen);
      if (problem) return `.${key}${problem}`;
    }
  }
  seen.delete(value);
  return undefined;
}

function serialise(value: unknown, what: string): string {
  const problem = jsonProblem(value, new Set());
  if (problem) throw new EventStoreInputError('not_serialisable', `${what}${problem}: not JSON-serialisable`);
  return JSON.stringify(value);
}

export function serialiseEvents(events: readonly NewEvent[], maxEventBytes: number): SerialisedEvent[] {
  // Checked through an unknown: Array.isArray would narrow `events` itself to any[], and so every event to any.
  const given: unknown = events;
  if (!Array.isArray(given) || events.length === 0) {
    throw new EventStoreInputError('invalid_event', 'append needs at least one event');
  }
  const ids = new Set<string>();
  return events.map((event, index) => {
    const at = `event ${index}`;
    if (typeof event?.id !== 'string' || !uuidPattern.test(event.id)) throw new EventStoreInputError('invalid_event', `${at}: id must be a UUID`);
    const id = event.id.toLowerCase();
    if (ids.has(id)) throw new EventStoreInputError('invalid_event', `${at}: id ${id} appears twice in one append`);
    ids.add(id);
    if (typeof event.type !== 'string' || event.type.length === 0 || event.type.length > maxTypeLength || event.type.includes('\u0000')) {
      throw new EventStoreInputError('invalid_event', `${at}: type must be a non-empty string of at most ${maxTypeLength} characters`);
    }
    if (event.data === undefined) throw new EventStoreInputError('not_serialisable', `${at}: data is undefined`);
    const data = serialise(event.data, `${at} data`);
    const metadata = event.metadata === undefined ? 'null' : serialise(event.metadata, `${at} metadata`);
    const bytes = Buffer.byteLength(data) + Buffer.byteLength(metadata);
    if (bytes > maxEventBytes) {
      throw new EventStoreInputError('event_too_large', `${at}: ${bytes} bytes of data and metadata, over the limit of ${maxEventBytes}`);
    }
    return { id, type: event.type, data, metadata };
  });
}

export function checkStartFrom(from: unknown): StartFrom {
  if (from === 'start' || from === 'end') return from;
  if (typeof from === 'object' && from !== null && 'after' in from) {
    decodePosition(from.after);
    return { after: from.after as string };
  }
  throw new EventStoreInputError('invalid_position', `start must be 'start', 'end' or {after: position}`);
}

export function checkPosition(position: unknown): Position {
  decodePosition(position);
  return position as Position;
}

export function checkMaxCount(maxCount: unknown, optional: boolean): number | undefined {
  if (maxCount === undefined && optional) return undefined;
  if (typeof maxCount !== 'number' || !Number.isSafeInteger(maxCount) || maxCount < 1) {
    throw new EventStoreInputError('invalid_option', `maxCount must be a positive integer, got ${String(maxCount)}`);
  }
  return maxCount;
}

export interface CheckedReadStream {
  readonly direction: 'forwards' | 'backwards';
  readonly fromRevision: bigint | 'start' | 'end';
  readonly maxCount: number | undefined;
}

export function checkReadStreamOptions(options: ReadStreamOptions | undefined): CheckedReadStream {
  const direction = options?.direction ?? 'forwards';
  if (direction !== 'forwards' && direction !== 'backwards') throw new EventStoreInputError('invalid_option', `direction must be 'forwards' or 'backwards'`);
  const fromRevision = options?.fromRevision ?? (direction === 'forwards' ? 'start' : 'end');
  if (!(fromRevision === 'start' || fromRevision === 'end' || (typeof fromRevision === 'bigint' && fromRevision >= 0n && fromRevision <= maxRevision))) {
    throw new EventStoreInputError('invalid_revision', `fromRevision must be 'start', 'end' or a bigint >= 0`);
  }
  return { direction, fromRevision, maxCount: checkMaxCount(options?.maxCount, true) };
}

export function checkFilter(filter: EventFilter | undefined): EventFilter | undefined {
  if (filter === undefined) return undefined;
  for (const list of [filter.eventTypes, filter.streamPrefixes]) {
    if (list !== undefined && (!Array.isArray(list) || list.some((item) => typeof item !== 'string' || item.length === 0))) {
      throw new EventStoreInputError('invalid_option', 'filter lists must hold non-empty strings');
    }
  }
  return filter;
}

export function matchesFilter(filter: EventFilter | undefined, event: { readonly type: string; readonly streamId: string }): boolean {
  if (!filter) return true;
  if (filter.eventTypes && !filter.eventTypes.includes(event.type)) return false;
  if (filter.streamPrefixes && !filter.streamPrefixes.some((prefix) => event.streamId.startsWith(prefix))) return false;
  return true;
}
