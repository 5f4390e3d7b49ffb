import { boolean, commonSettings, loadConfig, host, integer, port, rabbitmqSettings, text, url } from '@herald/kit';
import { postsExchange } from '@herald/contracts';

/** Every setting of the notifier process, read from the environment at start. */
export const settings = {
  LOG_LEVEL: commonSettings.LOG_LEVEL,
  NOTIFIER_HOST: host('0.0.0.0'),
  NOTIFIER_PORT: port(8090),
  AUTH_GRPC_ADDRESS: text('127.0.0.1:7070'),
  /** How long one ValidateToken call may take before the upgrade is answered 503. */
  AUTH_DEADLINE_MS: integer(50, 30_000, 2_000),
  /** How long a good answer from the auth service is reused; 0 turns the cache off. */
  AUTH_CACHE_TTL_MS: integer(0, 30_000, 10_000),
  AUTH_CACHE_MAX_ENTRIES: integer(1, 10_000_000, 100_000),
  /** How long a refused token is answered 401 without asking the auth service again (a refused token never turns good); 0 turns it off. */
  AUTH_REFUSAL_CACHE_TTL_MS: integer(0, 600_000, 10_000),
  /** Refused tokens from one client address within AUTH_FAILURE_WINDOW_MS before its upgrades are answered 429 without asking the auth service. */
  AUTH_FAILURES_PER_CLIENT: integer(1, 1_000_000, 20),
  /** The window AUTH_FAILURES_PER_CLIENT counts over. */
  AUTH_FAILURE_WINDOW_MS: integer(1_000, 3_600_000, 60_000),
  /** Redis: session revocations from the command API, and the notification history resuming clients are sent. */
  REDIS_URL: url(['redis:', 'rediss:'], 'redis://127.0.0.1:6379'),
  REDIS_KEY_PREFIX: text('herald:'),
  TRUST_PROXY: boolean(false),
  // RABBITMQ_URL, or the brokers' lists RABBITMQ_URLS (one cluster) or RABBITMQ_SHARDS: see `brokerShards` and docs/scaling.md.
  ...rabbitmqSettings,
  FEED_EXCHANGE: text(postsExchange),
  /** Unacknowledged messages RabbitMQ may push to this process at once. */
  RABBITMQ_PREFETCH: integer(1, 65_535, 2_000),
  RABBITMQ_RECONNECT_MIN_MS: integer(10, 60_000, 250),
  RABBITMQ_RECONNECT_MAX_MS: integer(10, 300_000, 10_000),
  MAX_SOCKETS_PER_USER: integer(1, 10_000, 10),
  /** Bytes a socket may have queued for a client before the client is closed as too slow. */
  SEND_BUFFER_LIMIT_BYTES: integer(1_024, 1_073_741_824, 1_048_576),
  /** Largest frame a client may send; clients have nothing to say, so it is small. */
  MAX_CLIENT_FRAME_BYTES: integer(16, 1_048_576, 1_024),
  HEARTBEAT_INTERVAL_MS: integer(100, 600_000, 30_000),
  /** How long a closing socket may take to finish its close handshake before it is cut. */
  CLOSE_GRACE_MS: integer(0, 600_000, 5_000),
  /** Event ids remembered per process to drop redeliveries. */
  DEDUPE_WINDOW: integer(1, 10_000_000, 100_000),
} as const;

export type NotifierConfig = ReturnType<typeof loadConfig<typeof settings>>;
