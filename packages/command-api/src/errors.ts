/**
 * Every error the command API answers with, as one table: the stable name used in
 * code and logs, the HTTP status, the integer `code` of the OTUS error body, and the
 * message a client sees when the thrower gives none. Messages of 5xx errors are never
 * shown; the client gets the table's text and the request id to quote.
 */
export const errorTable = {
  invalid_input: { status: 400, code: 40000, message: 'invalid input' },
  invalid_json: { status: 400, code: 40001, message: 'the body is not valid JSON' },
  cannot_befriend_self: { status: 400, code: 40002, message: 'a user cannot befriend themselves' },
  invalid_credentials: { status: 400, code: 40003, message: 'wrong user id or password' },
  unauthenticated: { status: 401, code: 40100, message: 'a valid bearer token is required' },
  not_post_author: { status: 403, code: 40300, message: 'only the author may change a post' },
  user_not_found: { status: 404, code: 40400, message: 'user not found' },
  post_not_found: { status: 404, code: 40401, message: 'post not found' },
  route_not_found: { status: 404, code: 40402, message: 'no such route' },
  method_not_allowed: { status: 405, code: 40500, message: 'method not allowed on this route' },
  user_already_registered: { status: 409, code: 40900, message: 'user already registered' },
  idempotency_key_in_use: { status: 409, code: 40901, message: 'a request with this Idempotency-Key is still running, retry shortly' },
  payload_too_large: { status: 413, code: 41300, message: 'the body is too large' },
  event_too_large: { status: 413, code: 41301, message: 'the change is over the event store\'s size limit for one write; make it smaller' },
  unsupported_media_type: { status: 415, code: 41500, message: 'the body must be application/json' },
  idempotency_key_reused: { status: 422, code: 42200, message: 'this Idempotency-Key was used for a different request' },
  too_many_login_failures: { status: 429, code: 42900, message: 'too many failed logins, retry after the Retry-After seconds' },
  too_many_registrations: { status: 429, code: 42901, message: 'too many registrations from this address, retry later' },
  too_many_requests: { status: 429, code: 42902, message: 'too many requests of this kind from this address at once, retry shortly' },
  internal: { status: 500, code: 50000, message: 'internal error' },
  dialogs_not_served: {
    status: 501, code: 50100,
    message: 'Herald does not serve dialogs: /dialog/* belongs to the dialogs part of the OTUS course (a separate service); Herald serves users, friends, posts and feeds',
  },
  event_store_unavailable: { status: 503, code: 50300, message: 'the event store is unavailable, retry later' },
  session_store_unavailable: { status: 503, code: 50301, message: 'the session store is unavailable, retry later' },
  read_model_unavailable: { status: 503, code: 50302, message: 'the read models are unavailable, retry later' },
  read_model_behind: { status: 503, code: 50303, message: 'the read models have not reached the requested position yet, retry later' },
  write_contention: { status: 503, code: 50304, message: 'too many concurrent writes to the same item, retry later' },
} as const satisfies Record<string, { status: number; code: number; message: string }>;

export type ErrorName = keyof typeof errorTable;

/** One field's problem in a 400 invalid_input answer. */
export interface InputProblem {
  readonly field: string;
  readonly message: string;
}

/**
 * The one error type the HTTP and gRPC edges throw for an expected failure (deciders
 * throw CommandRefused, mapped to one of these by http/error-mapper.ts). It carries a
 * name from the table; the HTTP status follows from it. `retryAfterSeconds` becomes the
 * Retry-After header (429, 503).
 */
export class HeraldError extends Error {
  override readonly name = 'HeraldError';
  /** For invalid_input: every offending field, sent as the body's `problems`. */
  readonly problems: readonly InputProblem[] | undefined;
  constructor(
    readonly error: ErrorName,
    message: string = errorTable[error].message,
    readonly retryAfterSeconds?: number,
    options?: { cause?: unknown; problems?: readonly InputProblem[] },
  ) {
    super(message, options);
    this.problems = options?.problems;
  }

  get status(): number {
    return errorTable[this.error].status;
  }
}
