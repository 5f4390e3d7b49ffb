import type { loadConfig } from '@herald/kit';
import { boolean, commonSettings, host, integer, optional, port, text, url } from '@herald/kit';
import { webSettings } from '@herald/web';

/** Every setting of the command API, read from the environment by `loadConfig`. */
export const settings = {
  ...commonSettings,
  HTTP_HOST: host('0.0.0.0'),
  HTTP_PORT: port(8080),
  GRPC_HOST: host('127.0.0.1'),
  GRPC_PORT: port(7070),
  REDIS_URL: url(['redis:', 'rediss:'], 'redis://127.0.0.1:6379'),
  /** Prefix of every Redis key (and channel) this process uses, so deployments (and test files) never share keys; the notifiers' must be the same. */
  REDIS_KEY_PREFIX: text('herald:'),
  EVENTSTORE_URL: optional(url(['esdb:', 'esdb+discover:'])),
  /** Connections of the PostgreSQL event store: concurrent appends beyond it queue for one. */
  EVENTSTORE_POOL_SIZE: integer(1, 1_000, 16),
  /** Trust X-Forwarded-For for the client address (only behind a proxy you run, which overwrites it). */
  TRUST_PROXY: boolean(false),
  SESSION_TTL_SECONDS: integer(1, 30 * 86_400, 86_400),
  BODY_LIMIT_BYTES: integer(1_024, 16 * 1_048_576, 65_536),
  POST_TEXT_MAX_CHARS: integer(1, 1_000_000, 10_000),
  NAME_MAX_CHARS: integer(1, 10_000, 100),
  PASSWORD_MIN_CHARS: integer(1, 1_024, 8),
  PASSWORD_MAX_CHARS: integer(8, 1_024, 128),
  FEED_LIMIT_MAX: integer(1, 100_000, 1_000),
  SEARCH_LIMIT: integer(1, 10_000, 100),
  /** How long a query route waits for the read models to reach X-Herald-Position. */
  CONSISTENCY_WAIT_MS: integer(0, 60_000, 2_000),
  /** Queries one client address may have waiting for X-Herald-Position at once in this process; beyond, 429. */
  CONSISTENCY_WAITS_PER_CLIENT: integer(1, 10_000, 8),
  /** Failed logins of one user from one client address within the window before that address is refused for that user (429). */
  LOGIN_FAILURES_PER_USER_AND_CLIENT: integer(1, 1_000_000, 5),
  /** Failed logins of one user from all addresses within the window before addresses the user has not logged in from are refused (429). */
  LOGIN_FAILURES_PER_USER: integer(1, 1_000_000, 100),
  /** Failed logins from one client address within the window, whatever the user, before it is refused (429). */
  LOGIN_FAILURES_PER_CLIENT: integer(1, 1_000_000, 50),
  /** The window the login failure limits count over. */
  LOGIN_FAILURE_WINDOW_SECONDS: integer(1, 86_400, 900),
  /** How long an address a user logged in from stays exempt from LOGIN_FAILURES_PER_USER. */
  LOGIN_KNOWN_CLIENT_SECONDS: integer(1, 365 * 86_400, 30 * 86_400),
  /** Registrations from one client address within REGISTRATION_WINDOW_SECONDS before it is refused (429). */
  REGISTRATIONS_PER_CLIENT: integer(1, 1_000_000, 20),
  /** The window REGISTRATIONS_PER_CLIENT counts over. */
  REGISTRATION_WINDOW_SECONDS: integer(1, 86_400, 3_600),
  /** scrypt hashes (registration, login) one client address may have running at once in this process. */
  PASSWORD_HASHES_PER_CLIENT: integer(1, 64, 2),
  /** Further hashes of one client address that may wait for a turn; beyond them it is refused (429). */
  PASSWORD_HASHES_QUEUED_PER_CLIENT: integer(0, 10_000, 8),
  /** scrypt cost: N = 2^this (15 means 32 MiB and some tens of ms per hash). */
  SCRYPT_LOG2_COST: integer(10, 20, 15),
  /**
   * Apply the PostgreSQL event store's migrations at start (idempotent and
   * advisory-locked, so several processes may race); the read models' are the projector's.
   */
  MIGRATE_ON_START: boolean(true),
  /** How long the answer to a command sent with an Idempotency-Key is kept for its retries. */
  IDEMPOTENCY_TTL_SECONDS: integer(1, 7 * 86_400, 86_400),
  /** Attempts of a command whose append keeps losing races before it answers 503. */
  COMMAND_MAX_ATTEMPTS: integer(1, 100, 5),
  /** The web page served at `/` (NOTIFIER_PUBLIC_URL: where browsers reach the notifier). */
  ...webSettings,
} as const;

export type CommandApiConfig = ReturnType<typeof loadConfig<typeof settings>>;
