import { z } from 'zod';
import { deletedPostMessageSchema, postedMessageSchema, type PostNotification } from './notification.js';

/**
 * What a websocket client is sent: the AsyncAPI Post message, plus `cursor`, the post's
 * log position. A client that reconnects with `since=<cursor>` gets what it missed.
 */
export const pushedPostSchema = postedMessageSchema.extend({ cursor: z.string() });
export type PushedPost = z.infer<typeof pushedPostSchema>;

/**
 * What a socket that opted in (`changes=1`) is also sent: a friend's edit or delete of a
 * post, as a frame with a `type` (like the resume control frame), so a client that
 * expects only posts never takes one for a new post. Its cursor is the edit's or the
 * delete's log position, as good to resume from as a post's.
 */
export const pushedChangeSchema = z.discriminatedUnion('type', [
  postedMessageSchema.extend({ type: z.literal('post.updated'), cursor: z.string() }),
  deletedPostMessageSchema.extend({ type: z.literal('post.deleted'), cursor: z.string() }),
]);
export type PushedChange = z.infer<typeof pushedChangeSchema>;

/**
 * The frame a notification becomes on a socket: a new post as the AsyncAPI Post message
 * plus its cursor; an edit or a delete as a PushedChange. (The relay writes the same
 * frames to the history, built by PostgreSQL: see the outbox relay's rows.ts.)
 */
export function pushedFrame({ kind, payload, position }: PostNotification): PushedPost | PushedChange {
  const cursor = position;
  switch (kind) {
    case 'post.created':
      return { postId: payload.postId, postText: payload.postText, author_user_id: payload.author_user_id, cursor };
    case 'post.updated':
      return { type: kind, postId: payload.postId, postText: payload.postText, author_user_id: payload.author_user_id, cursor };
    case 'post.deleted':
      return { type: kind, postId: payload.postId, author_user_id: payload.author_user_id, cursor };
  }
}

/** Whether a pushed frame (as JSON) is a new post, the only frame a socket that did not opt in is sent. */
export function isPostFrame(frame: string): boolean {
  try {
    const parsed: unknown = JSON.parse(frame);
    return typeof parsed === 'object' && parsed !== null && !('type' in parsed);
  } catch {
    return false;
  }
}

/**
 * The one control frame: sent only to a client that asked to resume (`since`) when its
 * gap cannot be recovered whole. It then reloads its feed over HTTP; live posts follow.
 */
export const resumeFailedSchema = z.object({
  type: z.literal('resume'),
  recovered: z.literal(false),
  reason: z.enum(['cursor_unknown', 'cursor_too_old', 'history_unavailable']),
  message: z.string(),
});
export type ResumeFailed = z.infer<typeof resumeFailedSchema>;

/** Before every post: history declared to start here holds every post. */
export const startOfHistory = '0000000000000000-0000000000000000';

/** A cursor has the shape of an event store position: two groups of 16 hex digits. */
export function isCursor(value: string): boolean {
  return /^[0-9a-f]{16}-[0-9a-f]{16}$/.test(value);
}

/**
 * Where per-user notification history lives in Redis (written by the outbox relay
 * before it publishes a post, read by notifiers when a client resumes):
 * - `<prefix>history:u:<userId>`: a list, newest first, of entries `cursor \n ms \n frame`;
 * - `<prefix>history:floor:<userId>`: the newest cursor trimmed from that list;
 * - `<prefix>history:since`: history here holds every post after this cursor (set once
 *   per Redis: by the relay when it starts, from the outbox, or before its first write).
 */
export function historyKeys(prefix: string) {
  return {
    user: (userId: string) => `${prefix}history:u:${userId}`,
    floor: (userId: string) => `${prefix}history:floor:${userId}`,
    since: `${prefix}history:since`,
  };
}

export interface HistoryEntry {
  readonly cursor: string;
  readonly at: number;
  readonly frame: string;
}

export function decodeHistoryEntry(entry: string): HistoryEntry | undefined {
  const first = entry.indexOf('\n');
  const second = entry.indexOf('\n', first + 1);
  if (first < 0 || second < 0) return undefined;
  return { cursor: entry.slice(0, first), at: Number(entry.slice(first + 1, second)), frame: entry.slice(second + 1) };
}

/**
 * The cursor just before `cursor`: history that holds every post after it holds `cursor`
 * itself and all that follow. (Cursors are two 64-bit numbers in hex; see isCursor.)
 */
export function cursorBefore(cursor: string): string {
  const high = BigInt(`0x${cursor.slice(0, 16)}`);
  const low = BigInt(`0x${cursor.slice(17)}`);
  const [h, l] = low > 0n ? [high, low - 1n] : [high - 1n, (1n << 64n) - 1n];
  if (h < 0n) return cursor;
  return `${h.toString(16).padStart(16, '0')}-${l.toString(16).padStart(16, '0')}`;
}
