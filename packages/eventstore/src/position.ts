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

/** Throws EventStoreInputError('invalid_position') for anything that is not a position. */
export function decodePosition(position: unknown): PositionParts {
  const match = typeof position === 'string' ? pattern.exec(position) : null;
  if (!match?.[1] || !match[2]) {
    throw new EventStoreInputError('invalid_position', `not an event store position: ${JSON.stringify(String(position)).slice(0, 80)}`);
  }
  return { high: BigInt(`0x${match[1]}`), low: BigInt(`0x${match[2]}`) };
}

/**
 * A position written by a person or a file (a command line, an export): the position,
 * or EventStoreInputError('invalid_position') saying what one looks like.
 */
export function parsePosition(text: string): Position {
  if (pattern.test(text)) return text;
  throw new EventStoreInputError(
    'invalid_position',
    `not an event store position: ${JSON.stringify(text).slice(0, 80)} (a position is 16 lower-case hex digits, "-", 16 more, e.g. 0000000000000312-00000000000000a7)`,
  );
}
