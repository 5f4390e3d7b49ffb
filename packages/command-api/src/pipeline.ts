import type { HeraldEvent } from '@herald/contracts';
import type { EventStore, NewEvent, Position } from '@herald/eventstore';
import { StreamNotFoundError, WrongExpectedVersionError } from '@herald/eventstore';
import { retry } from '@herald/kit';
import { v7 as uuidv7 } from 'uuid';
import type { Decider } from './domain/decider.js';
import { foldStream } from './domain/fold.js';
import { HeraldError } from './errors.js';

/** The id of a command's `index`-th event. */
export type EventIds = (index: number) => string;

export interface PipelineOptions {
  /** Attempts before a write that keeps losing races is refused with 503 (default 5). */
  readonly maxAttempts?: number;
  /**
   * The stream's id was generated for this very command (a fresh UUIDv7), so it cannot
   * exist yet: skip reading it and append with `no_stream`. Should it exist after all,
   * the conflict sends the command down the ordinary read-decide-retry path.
   */
  readonly freshStream?: boolean;
  /**
   * The id of the command's `index`-th event, fixed before it runs (from an
   * Idempotency-Key): a retry appends the very same events, which the store
   * recognises, and a command whose events are already in its stream is not decided
   * again but answered with their position. Random (UUIDv7) without it.
   */
  readonly eventId?: EventIds;
}

export interface CommandOutcome<Event> {
  /** What was appended; empty when the command changed nothing. */
  readonly events: readonly Event[];
  /**
   * Log position of the stream's last event after the command (of the events appended,
   * or of the last one read for a no-op); the head of the log for an untouched stream.
   */
  readonly position: Position | null;
}

interface LoadedStream<State> {
  readonly state: State;
  readonly revision: bigint | 'no_stream';
  readonly lastPosition: Position | null;
  /** The position of the last of this command's events, when an earlier run of it appended them. */
  readonly appliedAt: Position | null;
}

const emptyStream = { revision: 'no_stream', lastPosition: null, appliedAt: null } as const;

async function loadStream<State, Command, Event extends HeraldEvent>(
  store: EventStore,
  decider: Decider<State, Command, Event>,
  stream: string,
  eventId?: EventIds,
): Promise<LoadedStream<State>> {
  let recorded;
  try {
    recorded = await store.readStream(stream);
  } catch (error) {
    if (error instanceof StreamNotFoundError) return { state: decider.initialState, ...emptyStream };
    throw error;
  }
  const state = foldStream(decider, stream, recorded);
  const appliedAt = eventId ? positionOfOwn(recorded, eventId) : null;
  const last = recorded.at(-1);
  return { state, revision: last ? last.revision : 'no_stream', lastPosition: last ? last.position : null, appliedAt };
}

/**
 * Where an earlier run of this command appended its events: the position of the last of
 * them, or null. A command's events were appended together, so they follow one another
 * in the stream: one pass, matching the next expected id.
 */
function positionOfOwn(recorded: readonly { readonly id: string; readonly position: Position }[], eventId: EventIds): Position | null {
  let index = 0;
  let ours = eventId(index);
  let appliedAt: Position | null = null;
  for (const record of recorded) {
    if (record.id !== ours) continue;
    appliedAt = record.position;
    index += 1;
    ours = eventId(index);
  }
  return appliedAt;
}

function toNewEvent(event: HeraldEvent, index: number, eventId: EventIds | undefined): NewEvent {
  return { id: eventId?.(index) ?? uuidv7(), type: event.type, data: event.data, metadata: event.metadata };
}

/**
 * The one way a command reaches the log, for every route: load the stream, evolve it
 * to state, decide, append with the revision that was read. A conflicting append means
 * someone else wrote first: the command is decided again against the new state, a
 * bounded number of times, so a lost race is neither lost work nor a 500.
 */
export async function handleCommand<State, Command, Event extends HeraldEvent>(
  store: EventStore,
  decider: Decider<State, Command, Event>,
  stream: string,
  command: Command,
  options: PipelineOptions = {},
): Promise<CommandOutcome<Event>> {
  try {
    return await retry((attempt) => decideAndAppend(store, decider, stream, command, options, attempt), {
      attempts: options.maxAttempts ?? 5,
      retryOn: (error) => error instanceof WrongExpectedVersionError,
      backoff: conflictBackoff,
    });
  } catch (error) {
    if (error instanceof WrongExpectedVersionError) throw new HeraldError('write_contention', undefined, 1, { cause: error });
    throw error;
  }
}

/** A wholly random share of a short, growing wait, so that racing writers do not collide again in step. */
const conflictBackoff = { firstMs: 5, maxMs: 20, jitter: 1 };

/** One attempt: throws WrongExpectedVersionError when someone else wrote to the stream since it was read. */
async function decideAndAppend<State, Command, Event extends HeraldEvent>(
  store: EventStore,
  decider: Decider<State, Command, Event>,
  stream: string,
  command: Command,
  options: PipelineOptions,
  attempt: number,
): Promise<CommandOutcome<Event>> {
  const loaded: LoadedStream<State> =
    attempt === 1 && options.freshStream
      ? { state: decider.initialState, ...emptyStream }
      : await loadStream(store, decider, stream, options.eventId);
  if (loaded.appliedAt !== null) return { events: [], position: loaded.appliedAt };
  const events = decider.decide(command, loaded.state);
  if (events.length === 0) return { events, position: loaded.lastPosition ?? (await store.headPosition()) };
  const appended = await store.append(stream, events.map((event, index) => toNewEvent(event, index, options.eventId)), { expectedRevision: loaded.revision });
  return { events, position: appended.position };
}

/** Reads a stream to the state of its aggregate, for decisions that append nothing (login). */
export async function readState<State, Command, Event extends HeraldEvent>(
  store: EventStore,
  decider: Decider<State, Command, Event>,
  stream: string,
): Promise<State> {
  return (await loadStream(store, decider, stream)).state;
}

/** Whether a stream has any event (users are never deleted, so "registered" is stable). */
export async function streamExists(store: EventStore, stream: string): Promise<boolean> {
  try {
    await store.readStream(stream, { maxCount: 1 });
    return true;
  } catch (error) {
    if (error instanceof StreamNotFoundError) return false;
    throw error;
  }
}
