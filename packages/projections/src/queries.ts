import type { Position } from '@herald/eventstore';
import { Backoff, sleep } from '@herald/kit';
import type pg from 'pg';
import { readCheckpoints } from './checkpoints.js';
import { friendsOf, getTimedPost, postsByAuthor, withTimes, type TimedPostView } from './projections/by-person.js';
import { getFeed } from './projections/feeds.js';
import { getUser, searchUsers, type UserView } from './projections/users.js';
import { projections } from './projections/list.js';
import { liveSchema } from './schema.js';

export interface ReadModelQueries {
  getUser(id: string): Promise<UserView | null>;
  /** Case-insensitive prefixes of first and second name; ordered by name, then id. */
  searchUsers(firstNamePrefix: string, lastNamePrefix: string, limit: number): Promise<UserView[]>;
  getPost(id: string): Promise<TimedPostView | null>;
  /** Newest first; offset and limit count posts (OTUS); only the newest 1000 are served. */
  getFeed(readerId: string, offset: number, limit: number): Promise<TimedPostView[]>;
  /** One author's posts, newest first. */
  listPostsByAuthor(authorId: string, offset: number, limit: number): Promise<TimedPostView[]>;
  /** A user's friends, ordered by name. */
  listFriends(userId: string): Promise<UserView[]>;
  /** The position every read model has reached, or null before the first event. */
  projectedPosition(): Promise<Position | null>;
  /** True once every read model has reached `position`; false after `timeoutMs`. */
  waitForPosition(position: Position, timeoutMs: number): Promise<boolean>;
}

const pollBackoff = { firstMs: 2, maxMs: 20 };

/** The read side for the command API: every query of every read model, over one pool. */
export function createReadModelQueries(pool: pg.Pool): ReadModelQueries {
  async function projectedPosition(): Promise<Position | null> {
    const checkpoints = await readCheckpoints(pool, liveSchema);
    const positions = projections.map((p) => checkpoints.get(p.name) ?? '');
    const lowest = positions.reduce((low, p) => (p < low ? p : low));
    return lowest === '' ? null : lowest;
  }

  async function waitForPosition(position: Position, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    const backoff = new Backoff(pollBackoff);
    for (;;) {
      const reached = await projectedPosition();
      if (reached !== null && reached >= position) return true;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await sleep(Math.min(backoff.next(), left));
    }
  }

  return {
    getUser: (id) => getUser(pool, id),
    searchUsers: (first, last, limit) => searchUsers(pool, first, last, limit),
    getPost: (id) => getTimedPost(pool, id),
    getFeed: async (readerId, offset, limit) => withTimes(pool, await getFeed(pool, readerId, offset, limit)),
    listPostsByAuthor: (authorId, offset, limit) => postsByAuthor(pool, authorId, offset, limit),
    listFriends: (userId) => friendsOf(pool, userId),
    projectedPosition,
    waitForPosition,
  };
}
