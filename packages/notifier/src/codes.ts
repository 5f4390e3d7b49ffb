/**
 * Every way the notifier turns a client away or ends its socket, in one table: the
 * HTTP answers given before the upgrade, and the websocket close codes after it.
 * docs/ documents these from here; this file stays the single source.
 */

/** HTTP answers on the raw socket, before any upgrade. */
export const refusals = {
  notFound: { status: 404, reason: 'Not Found', code: 'not_found', message: 'no websocket endpoint at this path; use /post/feed/posted' },
  unauthorized: { status: 401, reason: 'Unauthorized', code: 'unauthorized', message: 'a valid session token is required (Authorization: Bearer <token>, or ?token=)' },
  authUnavailable: { status: 503, reason: 'Service Unavailable', code: 'auth_unavailable', message: 'the auth service did not answer; try again' },
  stopping: { status: 503, reason: 'Service Unavailable', code: 'stopping', message: 'this notifier is shutting down; reconnect' },
  upgradeRequired: { status: 426, reason: 'Upgrade Required', code: 'upgrade_required', message: 'this endpoint speaks websocket only' },
  badChanges: { status: 400, reason: 'Bad Request', code: 'bad_changes', message: 'changes must be 1 or true (send edits and deletes too), 0 or false, or absent' },
  tooManyAuthFailures: { status: 429, reason: 'Too Many Requests', code: 'too_many_auth_failures', message: 'too many refused tokens from this address; retry after Retry-After seconds' },
} as const;

export type Refusal = (typeof refusals)[keyof typeof refusals];

/** Websocket close codes the server sends (1xxx from RFC 6455, 4xxx Herald's own). */
export const closeCodes = {
  /** The notifier process is stopping (SIGTERM); reconnect, possibly to another process. */
  goingAway: { code: 1001, reason: 'server shutting down' },
  /** A client sent a frame above MAX_CLIENT_FRAME_BYTES; sent by `ws` itself. */
  frameTooBig: { code: 1009, reason: 'client frame too big' },
  /** The session's token was revoked (POST /logout): log in again. */
  sessionRevoked: { code: 4001, reason: 'session revoked: log in again' },
  /** The session expired (SESSION_TTL_SECONDS after login): log in again. */
  sessionExpired: { code: 4002, reason: 'session expired: log in again' },
  /** The client did not read fast enough: its send buffer passed SEND_BUFFER_LIMIT_BYTES. */
  sendBufferFull: { code: 4008, reason: 'send buffer full: client is not reading' },
  /** The user already holds MAX_SOCKETS_PER_USER sockets on this notifier process. */
  tooManySockets: { code: 4029, reason: 'too many sockets for this user' },
} as const;

export type CloseCode = (typeof closeCodes)[keyof typeof closeCodes];

/**
 * A peer that does not answer a ping within HEARTBEAT_INTERVAL_MS is cut without a
 * close frame (it would not read one), so the client sees 1006 (abnormal closure).
 */
export const heartbeatTimeoutCloseCode = 1006;

/**
 * The control frame a client that resumed (`since`) gets when its gap cannot be recovered
 * whole: it reloads its feed over HTTP; live posts follow on the same socket.
 */
export const resumeFailures = {
  cursor_unknown: 'the cursor is not one Herald gave out; reload the feed',
  cursor_too_old: 'notifications after this cursor are no longer all kept; reload the feed',
  history_unavailable: 'the notification history cannot be read right now; reload the feed',
} as const;
