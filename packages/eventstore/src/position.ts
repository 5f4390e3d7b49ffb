import { EventStoreInputError } from './errors.js';
import type { Position } from './port.js';

/**
 * Positions are two unsigned 64-bit numbers (PostgreSQL: transaction id and global
 * position; EventStoreDB: commit and prepare position), each written as 16 hex digits,
 * so that plain string comparison orders them as the log does.
 */
const pattern = /^([0-9a-f]{16})-([0-9a-f]{16})$/;
const max = (1n << 64n) - 1n;

export interface PositionParts {
  readonly high: bigint;
  readonly low: bigint;
}

export function encodePosition(high: bigint, low: bigint): Position {
  if (high < 0n || low < 0n || high > max || low > max) throw new RangeError(`position part out of range: ${high}, ${low}`);
  return `${high.toString(16).padStart(16, '0')}-${low.toString(16).padStart(16, '0')}`;
}

/** The shape, in words, for error messages. */
export const positionShapeText = '16 lowercase hex digits, "-", 16 lowercase hex digits';

/** Whether a value has the shape of a position; not whether any store ever wrote it. */
export function isPosition(value: unknown): value is Position {
  return typeof value === 'string' && pattern.test(value);
}

/** Throws EventStoreInputError('invalid_position') for anything that is not a position. */
export function decodePosition(position: unknown): PositionParts {
  const match = typeof position === 'string' ? pattern.exec(position) : null;
  if (!match?.[1] || !match[2]) {
    throw new EventStoreInputError('invalid_position', `not an event store position: ${JSON.stringify(String(position)).slice(0, 80)}`);
  }
  return { high: BigInt(`0x${match[1]}`), low: BigInt(`0x${match[2]}`) };
}

/**
 * A position a person typed or a file holds (a command-line argument, an export): the
 * position, or an EventStoreInputError('invalid_position') that names `what` when given
 * and shows what a position looks like. Surrounding blanks are forgiven; anything else
 * is refused.
 */
export function parsePosition(text: string, what?: string): Position {
  const trimmed = text.trim();
  if (pattern.test(trimmed)) return trimmed;
  const shown = JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
  throw new EventStoreInputError('invalid_position', `${what === undefined ? '' : `${what}: `}not an event store position: ${shown} `
    + `(a position is ${positionShapeText}, like 0000000000000b2a-00000000000004d2: the X-Herald-Position header of a command's answer, `
    + 'or the "log head" that herald rebuild --dry-run prints)');
}
