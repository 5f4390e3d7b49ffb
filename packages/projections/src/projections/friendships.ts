import type pg from 'pg';
import { eventsOf, type Projection } from '../projection.js';
import { bothWays } from './pairs.js';
import { liveSchema } from '../schema.js';
import { forRows, sql } from '../sql.js';
import { isUuid } from './values.js';

/** Symmetric: one row per direction, so "friends of X" is one index range either way. */
export const friendshipsProjection: Projection = {
  name: 'friendships',
  version: 1,
  handles: ['FriendAdded', 'FriendRemoved'],
  tables: ['friendships'],
  reads: [],
  replayable: true,
  ddl: `
    CREATE TABLE friendships (
      user_id uuid NOT NULL,
      friend_id uuid NOT NULL,
      PRIMARY KEY (user_id, friend_id)
    );`,
  project(run) {
    const added = bothWays(eventsOf(run, 'FriendAdded'));
    const removed = bothWays(eventsOf(run, 'FriendRemoved'));
    return [
      ...forRows(added, () => sql(
        `INSERT INTO friendships (user_id, friend_id) SELECT * FROM unnest($1::uuid[], $2::uuid[]) ON CONFLICT DO NOTHING`,
        added.map(([u]) => u), added.map(([, f]) => f),
      )),
      ...forRows(removed, () => sql(
        `DELETE FROM friendships f USING unnest($1::uuid[], $2::uuid[]) AS gone (user_id, friend_id)
         WHERE f.user_id = gone.user_id AND f.friend_id = gone.friend_id`,
        removed.map(([u]) => u), removed.map(([, f]) => f),
      )),
    ];
  },
};

export async function listFriends(pool: pg.Pool, userId: string): Promise<string[]> {
  if (!isUuid(userId)) return [];
  const result = await pool.query<{ friend_id: string }>(
    `SELECT friend_id::text AS friend_id FROM ${liveSchema}.friendships WHERE user_id = $1 ORDER BY friend_id`,
    [userId],
  );
  return result.rows.map((r) => r.friend_id);
}
