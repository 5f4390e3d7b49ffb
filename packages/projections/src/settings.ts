import { postsExchange } from '@herald/contracts';
import { commonSettings, loadConfig, host, integer, optional, port, rabbitmqSettings, text, url } from '@herald/kit';
import { defaultConfirmTimeoutMs, defaultRefusalsBeforeParking } from './outbox/relay.js';
import { defaultFeedFanoutLimit } from './projections/feeds.js';

/** The projector's environment: everything it reads, with defaults a local machine runs with. */
export const settings = {
  ...commonSettings,
  PROJECTOR_HOST: host('0.0.0.0'),
  PROJECTOR_PORT: port(8070),
  EVENTSTORE_URL: optional(url(['esdb:', 'esdb+discover:'])),
  // RABBITMQ_URL, and the lists of brokers that `brokerShards` reads (not consumed yet: docs/scaling.md).
  ...rabbitmqSettings,
  REDIS_URL: url(['redis:', 'rediss:'], 'redis://127.0.0.1:6379'),
  REDIS_KEY_PREFIX: text('herald:'),
  /** Notifications kept per user for resuming clients, whatever their age. */
  HISTORY_MIN_COUNT: integer(1, 100_000, 300),
  /** Notifications younger than this are kept for resuming clients, whatever their number. */
  HISTORY_MIN_AGE_SECONDS: integer(1, 86_400, 300),
  /** A user's notification history expires this long after its newest entry (bounds memory for idle users). */
  HISTORY_TTL_SECONDS: integer(60, 2_592_000, 86_400),
  FEED_EXCHANGE: text(postsExchange),
  /** Most events applied in one transaction. */
  PROJECTOR_BATCH_SIZE: integer(1, 20_000, 1000),
  /** Outbox rows (one per post) per relay batch (up to 4 batches await their confirms at once). */
  OUTBOX_BATCH_SIZE: integer(1, 50_000, 1000),
  /** Most recipients over the rows of one relay batch (a post above it still makes a batch of one). */
  OUTBOX_BATCH_RECIPIENTS: integer(1, 10_000_000, 100_000),
  /** Most recipients in one message; a post with more is published as several parts. */
  OUTBOX_RECIPIENTS_PER_MESSAGE: integer(1, 1_000_000, 10_000),
  /** Longest wait for RabbitMQ to confirm a batch; past it the relay reconnects and gives up its lock meanwhile, so a standby may take over. */
  OUTBOX_CONFIRM_TIMEOUT_MS: integer(100, 600_000, defaultConfirmTimeoutMs),
  /** A notification RabbitMQ refuses (basic.nack) this many times in a row is parked in outbox_parked so the rest flow (docs/operations.md). */
  OUTBOX_REFUSALS_BEFORE_PARKING: integer(1, 1000, defaultRefusalsBeforeParking),
  /**
   * Authors with more friends than this are not fanned out into their friends' feeds but merged in at read time
   * (back to fan-out below 90% of it); `herald rebuild` (make replay) rebuilds with it too. Changing it needs no rebuild: feeds serve the
   * same posts either way, and an author moves on their next friendship past the new bounds.
   */
  FEED_FANOUT_LIMIT: integer(1, 10_000_000, defaultFeedFanoutLimit),
} as const;

export type ProjectorConfig = ReturnType<typeof loadConfig<typeof settings>>;
