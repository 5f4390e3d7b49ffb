/**
 * The event store port. Every command and projection of Herald goes through it;
 * adapters (PostgreSQL, EventStoreDB) only translate. Revisions are bigint, as in
 * EventStoreDB, counted from 0 within a stream.
 */

/** What the writer expects of the stream, with EventStoreDB's meaning. */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | bigint;

/** The revision a stream really had when a conflict was detected. */
export type ActualRevision = 'no_stream' | bigint;

/**
 * A global log position: opaque, serialisable, and totally ordered by plain string
 * comparison (`a < b` means a was committed to the log before b) within one store.
 */
export type Position = string;

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface NewEvent {
  /** UUID chosen by the writer; a retried append with the same ids is a no-op. */
  readonly id: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata?: unknown;
}

export interface RecordedEvent {
  readonly id: string;
  readonly streamId: string;
  readonly revision: bigint;
  readonly position: Position;
  readonly type: string;
  readonly data: JsonValue;
  readonly metadata: JsonValue;
  readonly createdAt: Date;
}

export interface AppendOptions {
  /** Defaults to 'any'. */
  readonly expectedRevision?: ExpectedRevision;
}

export interface AppendResult {
  /** The revision of the stream's last event: the expected revision of the next append. */
  readonly nextExpectedRevision: bigint;
  /**
   * The log position of the last event appended. Readers of the log (readAll,
   * subscribeToAll) may see it a little later than the append returns: once
   * headPosition() has reached it.
   */
  readonly position: Position;
}

export interface ReadStreamOptions {
  readonly direction?: 'forwards' | 'backwards';
  /** Defaults to 'start' forwards and 'end' backwards; inclusive. */
  readonly fromRevision?: bigint | 'start' | 'end';
  /** Defaults to no limit. */
  readonly maxCount?: number;
}

export interface EventFilter {
  readonly eventTypes?: readonly string[];
  readonly streamPrefixes?: readonly string[];
}

export type StartFrom = 'start' | 'end' | { readonly after: Position };

export interface ReadAllOptions {
  readonly from?: StartFrom;
  readonly maxCount: number;
  readonly filter?: EventFilter;
}

export interface ReadAllResult {
  readonly events: readonly RecordedEvent[];
  /**
   * Where the next batch starts: after the last event read, or, with a filter, after
   * the last one looked at (so a filtered batch may hold fewer than maxCount events);
   * unchanged when there was nothing to read.
   */
  readonly next: StartFrom;
  /** True when nothing committed is left to read right now. */
  readonly caughtUp: boolean;
}

export interface SubscribeOptions {
  readonly from: StartFrom;
  readonly filter?: EventFilter;
  /** Aborting ends the iteration without an error. */
  readonly signal?: AbortSignal;
}

/**
 * Catches up from `from`, then goes live, with neither gap nor duplicate at the
 * seam. Pull-based: the store reads no further than the consumer has asked for.
 */
export interface Subscription extends AsyncIterable<RecordedEvent> {
  close(): Promise<void>;
}

export interface EventStore {
  /** Throws WrongExpectedVersionError on a conflict, EventStoreInputError on bad input. */
  append(stream: string, events: readonly NewEvent[], options?: AppendOptions): Promise<AppendResult>;
  /** Throws StreamNotFoundError for a stream with no events. */
  readStream(stream: string, options?: ReadStreamOptions): Promise<readonly RecordedEvent[]>;
  readAll(options: ReadAllOptions): Promise<ReadAllResult>;
  /**
   * The event at a position of the log, or null when readers see none there (none was
   * written there, or it is not visible yet). Throws EventStoreInputError for a string
   * that is not a position; EventStoreDB may refuse, as unavailable, a well-formed
   * position that is no record's.
   */
  readEventAt(position: Position): Promise<RecordedEvent | null>;
  /** Throws EventStoreInputError at once for a bad position or filter. */
  subscribeToAll(options: SubscribeOptions): Subscription;
  /** Position of the newest event visible to readers, or null for an empty log. */
  headPosition(): Promise<Position | null>;
  /**
   * Position of the newest event committed when called, returned once readers see it, or
   * null for an empty log: where "everything appended before now" ends. On PostgreSQL it
   * may wait for an older transaction still running to end (and fail if it does not, within
   * seconds); on EventStoreDB it is headPosition().
   */
  committedHead(): Promise<Position | null>;
  /** Resolves when the store answers; rejects otherwise (readiness checks). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
