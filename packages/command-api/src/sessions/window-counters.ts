import type { Redis } from 'ioredis';
import { redisCall } from './redis.js';

/** One fixed-window counter an attempt must pass. */
export interface Counter {
  readonly key: string;
  readonly limit: number;
  /** A key whose existence lifts this counter's limit (the attempt still counts). */
  readonly exemptIf?: string;
}

export type Reservation = { readonly ok: true } | { readonly ok: false; readonly key: string; readonly retryAfterSeconds: number };

/**
 * Checks every counter and, only when none is at its limit, increments them all: one
 * script, so a burst of parallel attempts cannot all pass a check made before any of
 * them counted. A counter's window starts at its first count.
 */
const reserveScript = `
local n = tonumber(ARGV[2])
for i = 1, n do
  local limit = tonumber(ARGV[1 + 2 * i])
  local exempt = tonumber(ARGV[2 + 2 * i])
  if exempt == 0 or redis.call('EXISTS', KEYS[exempt]) == 0 then
    if tonumber(redis.call('GET', KEYS[i]) or '0') >= limit then
      return {i, redis.call('PTTL', KEYS[i])}
    end
  end
end
for i = 1, n do
  redis.call('INCR', KEYS[i])
  if redis.call('PTTL', KEYS[i]) < 0 then redis.call('EXPIRE', KEYS[i], ARGV[1]) end
end
return {0, 0}`;

/** Gives back one count of each key (never below zero, never touching a window's end). */
const releaseScript = `
for i = 1, #KEYS do
  if tonumber(redis.call('GET', KEYS[i]) or '0') > 0 then redis.call('DECR', KEYS[i]) end
end
return 0`;

export interface WindowCounters {
  reserve(counters: readonly Counter[]): Promise<Reservation>;
  release(keys: readonly string[]): Promise<void>;
}

/** Fixed-window counters in Redis, reserved before the work they bound and given back when it did not count. */
export function createWindowCounters(redis: Redis, windowSeconds: number): WindowCounters {
  return {
    async reserve(counters) {
      const exemptions = counters.flatMap((c) => (c.exemptIf === undefined ? [] : [c.exemptIf]));
      const keys = [...counters.map((c) => c.key), ...exemptions];
      let nextExemption = counters.length;
      const args = counters.flatMap((c) => [c.limit, c.exemptIf === undefined ? 0 : ++nextExemption]);
      const [index, ttlMs] = await redisCall(() => redis.eval(reserveScript, keys.length, ...keys, windowSeconds, counters.length, ...args)) as [number, number];
      const refused = counters[index - 1];
      if (index === 0 || !refused) return { ok: true };
      const retryAfterSeconds = Math.max(1, Math.ceil((ttlMs > 0 ? ttlMs : windowSeconds * 1000) / 1000));
      return { ok: false, key: refused.key, retryAfterSeconds };
    },
    async release(keys) {
      await redisCall(() => redis.eval(releaseScript, keys.length, ...keys));
    },
  };
}
