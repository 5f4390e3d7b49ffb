import { decodeHistoryEntry, historyKeys, isCursor, isPostFrame, startOfHistory, type ResumeFailed } from '@herald/contracts';
import type { Redis, Result } from 'ioredis';

/** What a resume sends: the frames after the cursor, oldest first, or why it cannot. */
export type Recovery =
  | { readonly recovered: true; readonly frames: ReadonlyArray<{ readonly cursor: string; readonly frame: string }> }
  | { readonly recovered: false; readonly reason: ResumeFailed['reason'] };

/** One consistent read: where history starts in this Redis, the user's floor, the user's entries. */
const readScript = `
return { redis.call('GET', ARGV[1]) or '', redis.call('GET', ARGV[3]) or '', redis.call('LRANGE', ARGV[2], 0, -1) }`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    heraldReadHistory(since: string, user: string, floor: string): Result<[string, string, string[]], Context>;
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
      read = await this.#read(userId);
    } catch {
      // Once more: under load a read can time out without Redis being away.
      try {
        read = await this.#read(userId);
      } catch {
        return { recovered: false, reason: 'history_unavailable' };
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

  #read(userId: string): Promise<[string, string, string[]]> {
    return this.redis.heraldReadHistory(this.#keys.since, this.#keys.user(userId), this.#keys.floor(userId));
  }

  /**
   * Where a socket's live stream begins when the process has seen no post yet: the newest
   * cursor the user's history holds (or trimmed), else where history began, else the start.
   */
  async newest(userId: string): Promise<string> {
    try {
      const [first, floor, entries] = await this.redis.heraldReadHistory(this.#keys.since, this.#keys.user(userId), this.#keys.floor(userId));
      const head = entries[0] === undefined ? undefined : decodeHistoryEntry(entries[0])?.cursor;
      return head ?? (floor || first || startOfHistory);
    } catch {
      return startOfHistory;
    }
  }
}
