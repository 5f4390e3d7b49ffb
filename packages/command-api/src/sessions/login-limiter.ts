import type { Redis } from 'ioredis';
import { HeraldError } from '../errors.js';
import { redisCall } from './redis.js';

export interface LoginLimits {
  readonly failuresPerUser: number;
  readonly failuresPerClient: number;
  readonly windowSeconds: number;
}

export interface LoginLimiter {
  /** Throws 429 (with Retry-After) when the user id or the client address has failed too often. */
  check(userId: string, client: string): Promise<void>;
  recordFailure(userId: string, client: string): Promise<void>;
  /** A successful login clears the user's count (not the address's). */
  recordSuccess(userId: string): Promise<void>;
}

/**
 * Fixed-window counters of failed logins in Redis, one per user id and one per client
 * address: guessing one user's password, or many users' from one address, both stop.
 */
export function createLoginLimiter(redis: Redis, keyPrefix: string, limits: LoginLimits): LoginLimiter {
  const userKey = (userId: string) => `${keyPrefix}login-failures:user:${userId}`;
  const clientKey = (client: string) => `${keyPrefix}login-failures:client:${client}`;

  async function refuse(key: string): Promise<never> {
    const ttlMs = await redisCall(() => redis.pttl(key));
    const retryAfter = Math.max(1, Math.ceil((ttlMs > 0 ? ttlMs : limits.windowSeconds * 1000) / 1000));
    throw new HeraldError('too_many_login_failures', `too many failed logins; retry in ${retryAfter} s`, retryAfter);
  }

  async function count(key: string): Promise<void> {
    // The window starts at the first failure: NX keeps a running window's expiry.
    await redisCall(() => redis.multi().incr(key).expire(key, limits.windowSeconds, 'NX').exec());
  }

  return {
    async check(userId, client) {
      const [forUser, forClient] = await redisCall(() => redis.mget(userKey(userId), clientKey(client)));
      if (Number(forUser ?? 0) >= limits.failuresPerUser) await refuse(userKey(userId));
      if (Number(forClient ?? 0) >= limits.failuresPerClient) await refuse(clientKey(client));
    },
    async recordFailure(userId, client) {
      await Promise.all([count(userKey(userId)), count(clientKey(client))]);
    },
    async recordSuccess(userId) {
      await redisCall(() => redis.del(userKey(userId)));
    },
  };
}
