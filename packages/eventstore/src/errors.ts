import type { ActualRevision, ExpectedRevision } from './port.js';

/** Base of the port's errors: callers never see a driver's error type. */
export abstract class EventStoreError extends Error {
  abstract readonly code: string;
}

/** The stream's revision was not what the writer expected. */
export class WrongExpectedVersionError extends EventStoreError {
  readonly code = 'wrong_expected_version';
  override readonly name = 'WrongExpectedVersionError';
  constructor(
    readonly stream: string,
    readonly expected: ExpectedRevision,
    readonly actual: ActualRevision,
  ) {
    super(`stream ${stream}: expected revision ${String(expected)}, actual ${String(actual)}`);
  }
}

export class StreamNotFoundError extends EventStoreError {
  readonly code = 'stream_not_found';
  override readonly name = 'StreamNotFoundError';
  constructor(readonly stream: string) {
    super(`stream ${stream} not found`);
  }
}

export type EventStoreInputProblem =
  | 'invalid_stream_name'
  | 'invalid_event'
  | 'not_serialisable'
  | 'event_too_large'
  | 'invalid_position'
  | 'invalid_revision'
  | 'invalid_option';

/** Bad input to the port; nothing was written. */
export class EventStoreInputError extends EventStoreError {
  override readonly name = 'EventStoreInputError';
  constructor(
    readonly code: EventStoreInputProblem,
    message: string,
  ) {
    super(message);
  }
}

/** The store could not be reached or failed; safe to retry later (HTTP 503). */
export class EventStoreUnavailableError extends EventStoreError {
  readonly code = 'unavailable';
  override readonly name: string = 'EventStoreUnavailableError';
}

/**
 * The log cannot be used safely as it stands: its positions would no longer order new
 * events after old ones (a PostgreSQL log restored onto another cluster, whose
 * transaction ids are behind the ones the log holds). Nothing is read or appended until
 * an operator acts; the message says how. Unavailable (503) to callers meanwhile.
 */
export class RestoredLogError extends EventStoreUnavailableError {
  override readonly name = 'RestoredLogError';
}
