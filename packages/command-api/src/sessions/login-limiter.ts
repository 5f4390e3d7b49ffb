import type { Redis } from 'ioredis';
import { HeraldError } from '../errors.js';
import { redisCall } from './redis.js';
import { createWindowCounters } from './window-counters.js';

export interface LoginLimits {
  /** Failures of one user from one client address: the strict bound on guessing. */
  readonly failuresPerUserAndClient: number;
  /** Failures of one user from every address: bounds guessing from many addresses. */
  readonly failuresPerUser: number;
  /** Failures from one address, whatever the user: bounds guessing many users' passwords. */
  readonly failuresPerClient: number;
  readonly windowSeconds: number;
  /** How long an address the user logged in from stays exempt from `failuresPerUser`. */
  readonly knownClientSeconds: number;
}

export interface LoginLimiter {
  /**
   * Runs `check` (the password verification) as one reserved attempt, or throws 429
   * with Retry-After without running it. The attempt is counted as a failure before
   * `check` starts, so parallel attempts cannot outrun the count; it is given back
   * when `check` says the login succeeded, or throws (no verdict on the password).
   */
  attempt<T>(userId: string, client: string, check: () => Promise<T>, succeeded: (outcome: T) => boolean): Promise<T>;
}

/**
 * Failed logins counted in Redis in fixed windows, per (user, address), per user and
 * per address. User ids are public, so the per-user bound is much higher than the
 * per-(user, address) one, and an address the user logged in from recently is exempt
 * from it: a stranger's failures lock out the stranger, not the user.
 */
export function createLoginLimiter(redis: Redis, keyPrefix: string, limits: LoginLimits): LoginLimiter {
  const counters = createWindowCounters(redis, limits.windowSeconds);
  const keysOf = (userId: string, client: string) => ({
    pair: `${keyPrefix}login-failures:user-client:${userId}:${client}`,
    user: `${keyPrefix}login-failures:user:${userId}`,
    client: `${keyPrefix}login-failures:client:${client}`,
    known: `${keyPrefix}login-known-client:${userId}:${client}`,
  });

  async function succeeded(keys: ReturnType<typeof keysOf>): Promise<void> {
    await counters.release([keys.user, keys.client]);
    // This address knows the password: its failures for this user are forgiven, and it
    // is trusted past the per-user bound for a while.
    await redisCall(() => redis.multi().del(keys.pair).set(keys.known, '1', 'EX', limits.knownClientSeconds).exec());
  }

  return {
    async attempt<T>(userId: string, client: string, check: () => Promise<T>, isSuccess: (outcome: T) => boolean): Promise<T> {
      const keys = keysOf(userId, client);
      const reservation = await counters.reserve([
        { key: keys.pair, limit: limits.failuresPerUserAndClient },
        { key: keys.user, limit: limits.failuresPerUser, exemptIf: keys.known },
        { key: keys.client, limit: limits.failuresPerClient },
      ]);
      if (!reservation.ok) throw new HeraldError('too_many_login_failures', `too many failed logins; retry in ${reservation.retryAfterSeconds} s`, reservation.retryAfterSeconds);
      let outcome: T;
      try {
        outcome = await check();
      } catch (error) {
        // The caller answers with this error; a release that fails too only leaves one count more.
        await counters.release([keys.pair, keys.user, keys.client]).catch(() => undefined);
        throw error;
      }
      if (isSuccess(outcome)) await succeeded(keys);
      return outcome;
    },
  };
}
