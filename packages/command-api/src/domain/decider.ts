import type { EventMetadata, HeraldEvent, HeraldEventType } from '@herald/contracts';
import { eventCatalogue } from '@herald/contracts';

/** What every command carries besides its data: the clock and the request that caused it. */
export interface CommandMetadata {
  readonly now: Date;
  readonly requestId?: string;
}

/**
 * One aggregate's rules, pure: no I/O, no clock, no id generation. The command
 * pipeline folds the stream with `evolve` and appends what `decide` returns.
 */
export interface Decider<State, Command, Event extends HeraldEvent> {
  readonly initialState: State;
  /** Whether an event read from the stream belongs to this aggregate. */
  readonly accepts: (event: HeraldEvent) => event is Event;
  readonly evolve: (state: State, event: Event) => State;
  /** Throws CommandRefused to refuse; an empty list means "nothing to change". */
  readonly decide: (command: Command, state: State) => readonly Event[];
}

/** Metadata of an event decided now, written with the current schema version of its type. */
export function eventMetadata(type: HeraldEventType, metadata: CommandMetadata): EventMetadata {
  return {
    schemaVersion: eventCatalogue[type].currentVersion,
    occurredAt: metadata.now.toISOString(),
    ...(metadata.requestId === undefined ? {} : { requestId: metadata.requestId }),
  };
}

export function unreachable(value: never): never {
  throw new Error(`unhandled case ${JSON.stringify(value)}`);
}
