import { decodeHistoryEntry, historyKeys, isCursor, isPostFrame, startOfHistory, type ResumeFailed } from '@herald/contracts';
import type { Redis, Result } from 'ioredis';

/** What a resume sends: the frames after the cursor, oldest first, or why it cannot. */
export type Recovery =
  | { readonly recovered: true; readonly frames: ReadonlyArray<{ readonly cursor: string; readonly frame: string }> }
  | { readonly recovered: false; readonly reason: ResumeFailed['reason']; readonly readFailed?: true };

/**
 * One consistent read: where history starts in this Redis, the user's floor, and only the
 * user's entries after the cursor (ARGV[4]), so a catch-up costs what it missed, not the
 * whole history kept. Cursors are compared as four 32-bit numbers (see isCursor): Lua's
 * string order follows the server's locale. The list is walked in pages: entries a relay
 * wrote twice, or a refused post retried later, are not in cursor order.
 */
const readScript = `
local since = ARGV[4]
local starts = { 1, 9, 18, 26 }
local sinceParts = {}
for i, at in ipairs(starts) do sinceParts[i] = tonumber(string.sub(since, at, at + 7), 16) end
local function newer(entry)
  for i, at in ipairs(starts) do
    local n = tonumber(string.sub(entry, at, at + 7), 16)
    if n == nil then return false end
    if n ~= sinceParts[i] then return n > sinceParts[i] end
  end
  return false
end
local found = {}
local length = redis.call('LLEN', ARGV[2])
for first = 0, length - 1, 256 do
  for _, entry in ipairs(redis.call('LRANGE', ARGV[2], first, first + 255)) do
    if newer(entry) then found[#found + 1] = entry end
  end
end
return { redis.call('GET', ARGV[1]) or '', redis.call('GET', ARGV[3]) or '', found }`;

/** Where history starts, the user's floor, and the user's newest entry (or ''). */
const headScript = `
return { redis.call('GET', ARGV[1]) or '', redis.call('GET', ARGV[3]) or '', redis.call('LINDEX', ARGV[2], 0) or '' }`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    heraldReadHistory(since: string, user: string, floor: string, after: string): Result<[string, string, string[]], Context>;
    heraldHistoryHead(since: string, user: string, floor: string): Result<[string, string, string], Context>;
  }
}

/**
 * The notifier's view of the notification history the outbox relay writes to Redis
 * (see historyKeys): the notifier never reads the event log.
 */
export class HistoryReader {
  readonly #keys: ReturnType<typeof historyKeys>;

  constructor(private readonly redis: Redis, prefix: string) {
    this.#keys = historyKeys(prefix);
    redis.defineCommand('heraldReadHistory', { numberOfKeys: 0, lua: readScript });
    redis.defineCommand('heraldHistoryHead', { numberOfKeys: 0, lua: headScript });
  }

  /**
   * The user's notifications after `since`, whole or not at all: a cursor that is not one,
   * or from before what this Redis holds (history began later, or the user's oldest
   * entries were trimmed past it), cannot be vouched for. History holds friends' edits and
   * deletes too, in log order with the posts; only a socket that opted in (`changes`) is
   * sent them.
   */
  async after(userId: string, since: string, { changes }: { changes: boolean }): Promise<Recovery> {
    if (!isCursor(since)) return { recovered: false, reason: 'cursor_unknown' };
    let read: [string, string, string[]];
    try {
      read = await this.#read(userId, since);
    } catch {
      // Once more: under load a read can time out without Redis being away.
      try {
        read = await this.#read(userId, since);
      } catch {
        // Redis did not answer: unlike a history that never began here, another try may do.
        return { recovered: false, reason: 'history_unavailable', readFailed: true };
      }
    }
    const [first, floor, entries] = read;
    // History holds every post after `first`; the very start is owed whatever it holds.
    if (since !== startOfHistory) {
      if (first === '') return { recovered: false, reason: 'history_unavailable' };
      if (since < first) return { recovered: false, reason: 'cursor_too_old' };
    }
    if (floor !== '' && since < floor) return { recovered: false, reason: 'cursor_too_old' };
    // Newest first as written, but a relay that starts a pass over after a failure writes
    // its unconfirmed posts again: read them all, in cursor order, each once.
    const frames = new Map<string, string>();
    for (const raw of entries) {
      const entry = decodeHistoryEntry(raw);
      if (entry && entry.cursor > since && !frames.has(entry.cursor) && (changes || isPostFrame(entry.frame))) frames.set(entry.cursor, entry.frame);
    }
    return { recovered: true, frames: [...frames].sort(([a], [b]) => (a < b ? -1 : 1)).map(([cursor, frame]) => ({ cursor, frame })) };
  }

  #read(userId: string, since: string): Promise<[string, string, string[]]> {
    return this.redis.heraldReadHistory(this.#keys.since, this.#keys.user(userId), this.#keys.floor(userId), since);
  }

  /**
   * Where a socket's live stream begins when the process has seen no post yet: the newest
   * cursor the user's history holds (or trimmed), else where history began, else the start.
   */
  async newest(userId: string): Promise<string> {
    try {
      const [first, floor, newest] = await this.redis.heraldHistoryHead(this.#keys.since, this.#keys.user(userId), this.#keys.floor(userId));
      const head = newest === '' ? undefined : decodeHistoryEntry(newest)?.cursor;
      return head ?? (floor || first || startOfHistory);
    } catch {
      return startOfHistory;
    }
  }
}
