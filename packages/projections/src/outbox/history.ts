import { cursorBefore, historyKeys } from '@herald/contracts';
import type { Redis, Result } from 'ioredis';
import type { OutboxMessage } from './rows.js';

export interface HistoryRetention {
  /** Entries kept per user whatever their age. */
  readonly minCount: number;
  /** Entries younger than this are kept whatever their number. */
  readonly minAgeMs: number;
  /** A user's whole history expires this long after its newest entry. */
  readonly ttlSeconds: number;
}

/**
 * Pushes one message's entry onto each recipient's history, then trims the oldest
 * entries that are both beyond the count and past the age, remembering the newest cursor
 * trimmed (the floor a resume must not be behind). `since` is set once per Redis (here
 * to just before this post, should Redis have restarted since the relay began): a resume
 * from before it cannot be vouched for. One call per message; the per-recipient work
 * stays inside Redis.
 */
const pushScript = `
local now, minCount, minAge, ttl = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local since, users, floors = ARGV[1], ARGV[9], ARGV[10]
local cursor, frame = ARGV[6], ARGV[7]
local entry = cursor .. '\\n' .. ARGV[2] .. '\\n' .. frame
redis.call('SET', since, ARGV[11], 'NX')
for _, user in ipairs(cjson.decode(ARGV[8])) do
  local key = users .. user
  local n = redis.call('LPUSH', key, entry)
  redis.call('EXPIRE', key, ttl)
  while n > minCount do
    local oldest = redis.call('LINDEX', key, -1)
    local c, at = string.match(oldest, '^([^\\n]*)\\n([^\\n]*)\\n')
    if now - tonumber(at) < minAge then break end
    redis.call('RPOP', key)
    redis.call('SET', floors .. user, c, 'EX', ttl)
    n = n - 1
  end
end
return 1`;

export interface HistoryWriter {
  /**
   * When a relay takes over the outbox: every post after `bound` is yet to be written here. In a Redis that
   * has no history yet (new, or restarted), history is declared to start there.
   */
  begin(bound: string): Promise<void>;
  /** Records each message's post for each of its recipients; resolves once Redis has them all. */
  write(messages: readonly OutboxMessage[]): Promise<void>;
}

declare module 'ioredis' {
  interface RedisCommander<Context> {
    heraldPushHistory(...args: string[]): Result<number, Context>;
  }
}

/** The writer on a Redis client the caller owns; keys under `prefix` (see historyKeys). */
export function createHistoryWriter(redis: Redis, prefix: string, retention: HistoryRetention): HistoryWriter {
  const keys = historyKeys(prefix);
  redis.defineCommand('heraldPushHistory', { numberOfKeys: 0, lua: pushScript });
  return {
    async begin(bound) {
      await redis.set(keys.since, bound, 'NX');
    },
    async write(messages) {
      const now = String(Date.now());
      const limits = [String(retention.minCount), String(retention.minAgeMs), String(retention.ttlSeconds)];
      await Promise.all(messages.map((m) =>
        redis.heraldPushHistory(keys.since, now, ...limits, m.cursor, m.frame, m.recipients, keys.user(''), keys.floor(''), cursorBefore(m.cursor))));
    },
  };
}
