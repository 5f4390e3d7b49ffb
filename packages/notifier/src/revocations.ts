import { Redis } from 'ioredis';
import { sessionRevocationChannel, sessionRevocationSchema } from '@herald/contracts';
import type { Logger } from '@herald/kit';
import type { TokenValidator } from './auth.js';
import type { NotifierMetrics } from './metrics.js';
import type { SessionSockets } from './session-sockets.js';

export interface RevocationFeedOptions {
  readonly url: string;
  /** The command API's REDIS_KEY_PREFIX: the channel is named under it. */
  readonly keyPrefix: string;
  /** How this connection shows in Redis's CLIENT LIST. */
  readonly connectionName: string;
  readonly auth: TokenValidator;
  readonly sockets: SessionSockets;
  readonly logger: Logger;
  readonly metrics: NotifierMetrics;
}

/**
 * Logouts, heard on the Redis channel the command API publishes them on (in the same
 * step as it deletes the session): each closes the token's sockets here with 4001 and
 * makes the token validator forget it. Redis pub/sub keeps nothing for a subscriber
 * that is away, so while the feed is down the validator reuses no good answer, and
 * once it is back every session with open sockets is asked about again (sockets
 * opened on an answer from before are asked about as they open).
 */
export class RevocationFeed {
  readonly #redis: Redis;
  readonly #channel: string;
  /** Counts connections made and lost: work begun on one connection stops if it is lost. */
  #generation = 0;

  constructor(private readonly options: RevocationFeedOptions) {
    this.#channel = sessionRevocationChannel(options.keyPrefix);
    this.#redis = new Redis(options.url, {
      lazyConnect: true,
      connectionName: options.connectionName,
      autoResubscribe: false,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
    });
    this.#redis.on('ready', () => void this.#onReady());
    this.#redis.on('close', () => this.#onLost());
    this.#redis.on('error', (error: unknown) => options.logger.warn({ err: error }, 'redis (session revocations) connection problem'));
    this.#redis.on('message', (channel: string, message: string) => this.#onMessage(channel, message));
  }

  /** Connects in the background (and keeps reconnecting); until then no good answer is reused. */
  start(): void {
    this.#redis.connect().catch(() => undefined); // reported by the 'error' listener; retried by ioredis
  }

  stop(): void {
    this.#generation += 1;
    this.options.auth.trustCache(false);
    this.#redis.disconnect();
  }

  async #onReady(): Promise<void> {
    const generation = ++this.#generation;
    try {
      await this.#redis.subscribe(this.#channel);
    } catch (error) {
      this.options.logger.warn({ err: error }, 'subscribing to session revocations failed; retrying on the next connection');
      return;
    }
    if (generation !== this.#generation) return;
    // From here on every logout is heard: answers are reused again (the cache starts
    // empty), and sessions already open are asked about, in case theirs was missed.
    this.options.auth.trustCache(true);
    this.options.logger.info({ channel: this.#channel }, 'hearing session revocations');
    await this.options.sockets.recheckAll(() => generation === this.#generation);
  }

  #onLost(): void {
    this.#generation += 1;
    this.options.auth.trustCache(false);
  }

  #onMessage(channel: string, message: string): void {
    if (channel !== this.#channel) return;
    let parsed;
    try {
      parsed = sessionRevocationSchema.safeParse(JSON.parse(message));
    } catch {
      parsed = undefined;
    }
    if (!parsed?.success) {
      this.options.logger.warn({ channel }, 'ignoring a malformed session revocation');
      return;
    }
    this.options.metrics.revocations.inc();
    this.options.sockets.revoke(parsed.data.tokenSha256);
  }
}
