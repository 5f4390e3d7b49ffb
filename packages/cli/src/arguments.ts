import { parsePosition, type Position, type StartFrom } from '@herald/eventstore';
import { InvalidArgumentError } from 'commander';

/** A log position on the command line; commander reports the message and exits 2. */
export function position(text: string): Position {
  try {
    return parsePosition(text);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

/** Where reading starts: `start`, `end`, or after a position. */
export function startFrom(text: string): StartFrom {
  if (text === 'start' || text === 'end') return text;
  return { after: position(text) };
}

export function positiveInteger(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

/** A repeatable option's values, each of which may also be a comma-separated list. */
export function collect(text: string, previous: readonly string[] = []): string[] {
  return [...previous, ...text.split(',').map((t) => t.trim()).filter((t) => t !== '')];
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isEventId(text: string): boolean {
  return uuidPattern.test(text);
}
