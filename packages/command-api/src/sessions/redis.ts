import { Redis } from 'ioredis';
import { HeraldError } from '../errors.js';

/**
 * A Redis client that fails fast while Redis is away (no offline queue, one retry per
 * command), so a request answers 503 at once instead of hanging; it reconnects by itself.
 */
export function createRedis(url: string): Redis {
  return new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 2_000,
    connectTimeout: 2_000,
    retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
    // Commands issued in the same tick (concurrent requests) go out in one write.
    enableAutoPipelining: true,
  });
}

/** Runs a Redis operation; any Redis failure becomes a 503 with Retry-After. */
export async function redisCall<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw new HeraldError('session_store_unavailable', undefined, 1, { cause: error });
  }
}
