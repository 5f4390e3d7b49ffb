import { BACKWARDS, END, type AllStreamResolvedEvent, type EventStoreDBClient } from '@eventstore/db-client';
import type { EventFilter, Position } from '../port.js';
import { toDriverPosition, toPortPosition, toRecordedEvent } from './mapping.js';

/** $all read backwards, newest first: from the end, or from a position on towards the start. */
export type ReadBackwards = (from: Position | 'end', maxCount: number) => AsyncIterable<AllStreamResolvedEvent>;

export function readBackwards(client: EventStoreDBClient): ReadBackwards {
  return (from, maxCount) => client.readAll({ direction: BACKWARDS, fromPosition: from === 'end' ? END : toDriverPosition(from), maxCount });
}

export interface NewestOptions {
  /** Look no further back than this position: undefined when nothing wanted follows it. */
  readonly after?: Position;
  /** Events per page read; 500 by default. */
  readonly pageSize?: number;
  /** Look at no more than about this many events; no bound by default. */
  readonly maxEvents?: number;
}

/**
 * The newest event of $all the filter wants (never a system event), read backwards a
 * page at a time until one is found, the log's start, or `after`: however many system
 * events (EventStoreDB writes `$stats` every few seconds) or unwanted ones follow it.
 * Each page starts at the oldest event of the previous one, which it drops, whether or
 * not the server includes the event at the position it reads from.
 */
export async function newestWanted(read: ReadBackwards, filter: EventFilter | undefined, options: NewestOptions = {}): Promise<Position | undefined> {
  const pageSize = options.pageSize ?? 500;
  let from: Position | 'end' = 'end';
  for (let looked = 0; looked < (options.maxEvents ?? Infinity); looked += pageSize) {
    let seen = 0;
    let oldest: Position | undefined;
    for await (const resolved of read(from, pageSize + (from === 'end' ? 0 : 1))) {
      seen += 1;
      if (!resolved.event?.position) continue;
      const position = toPortPosition(resolved.event.position);
      if (from !== 'end' && position >= from) continue;
      if (options.after !== undefined && position <= options.after) return undefined;
      oldest = position;
      if (toRecordedEvent(resolved, filter)) return position;
    }
    // A short page is the start of the log; a page that moved nowhere ends the look too.
    if (seen < pageSize || oldest === undefined) return undefined;
    from = oldest;
  }
  return undefined;
}
