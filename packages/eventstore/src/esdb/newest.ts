import { BACKWARDS, END, type AllStreamResolvedEvent, type EventStoreDBClient } from '@eventstore/db-client';
import type { EventFilter, Position } from '../port.js';
import { toDriverPosition, toRecordedEvent } from './mapping.js';

/** $all read backwards, newest first: from the end, or from a position on towards the start. */
export type ReadBackwards = (from: Position | 'end', maxCount: number) => AsyncIterable<AllStreamResolvedEvent>;

export function readBackwards(client: EventStoreDBClient): ReadBackwards {
  return (from, maxCount) => client.readAll({ direction: BACKWARDS, fromPosition: from === 'end' ? END : toDriverPosition(from), maxCount });
}

/** The newest event of $all the filter wants (never a system event), looking back `window` events from the end. */
export async function newestWanted(read: ReadBackwards, filter: EventFilter | undefined, window: number): Promise<Position | undefined> {
  for await (const resolved of read('end', window)) {
    const event = toRecordedEvent(resolved, filter);
    if (event) return event.position;
  }
  return undefined;
}
