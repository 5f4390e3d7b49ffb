import type { Redis } from 'ioredis';
import { HeraldError } from '../errors.js';
import { createWindowCounters } from './window-counters.js';

export interface RegistrationLimits {
  readonly perClient: number;
  readonly windowSeconds: number;
}

export interface RegistrationLimiter {
  /** Counts one registration from the client, or throws 429 with Retry-After at its bound. */
  count(client: string): Promise<void>;
}

/**
 * Registrations per client address in a fixed window in Redis: each one costs a scrypt
 * hash and makes an account, and needs no account to ask for.
 */
export function createRegistrationLimiter(redis: Redis, keyPrefix: string, limits: RegistrationLimits): RegistrationLimiter {
  const counters = createWindowCounters(redis, limits.windowSeconds);
  return {
    async count(client) {
      const reservation = await counters.reserve([{ key: `${keyPrefix}registrations:client:${client}`, limit: limits.perClient }]);
      if (!reservation.ok) throw new HeraldError('too_many_registrations', undefined, reservation.retryAfterSeconds);
    },
  };
}
