import type { RecordedEvent } from '@herald/eventstore';
import { eventJson } from '../output.js';

/**
 * One line of an exported log: an event with everything the log keeps. Importing keeps
 * stream, revision, id, type, data and metadata; position and createdAt say where and
 * when the source committed it (the target assigns its own).
 */
export interface LogLine {
  readonly streamId: string;
  readonly revision: bigint;
  readonly id: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: unknown;
}

export function exportLine(event: RecordedEvent): string {
  return JSON.stringify(eventJson(event));
}

function fail(line: number, problem: string): never {
  throw new Error(`line ${line}: ${problem}`);
}

function revisionOf(value: unknown, line: number): bigint {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  if (typeof value === 'string' && /^\d+$/.test(value)) return BigInt(value);
  return fail(line, `revision must be an integer from 0, got ${JSON.stringify(value)}`);
}

/** A line of `herald log export`, checked; the error names the line. */
export function parseLine(text: string, line: number): LogLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return fail(line, 'not JSON (herald log import reads what herald log export writes: one event per line)');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail(line, 'not an event object');
  const e = value as Record<string, unknown>;
  for (const field of ['streamId', 'id', 'type'] as const) {
    if (typeof e[field] !== 'string' || e[field] === '') fail(line, `${field} must be a non-empty string`);
  }
  if (!('data' in e)) fail(line, 'data is missing');
  return {
    streamId: e.streamId as string,
    revision: revisionOf(e.revision, line),
    id: (e.id as string).toLowerCase(),
    type: e.type as string,
    data: e.data,
    metadata: e.metadata ?? null,
  };
}

/** The same event: same place in the same stream, same id and type. */
export function sameEvent(recorded: RecordedEvent, line: LogLine): boolean {
  return recorded.streamId === line.streamId && recorded.revision === line.revision && recorded.id === line.id && recorded.type === line.type;
}

export function describeEvent(e: { readonly streamId: string; readonly revision: bigint; readonly id: string; readonly type: string }): string {
  return `${e.streamId} revision ${e.revision} (${e.type}, id ${e.id})`;
}
