import type pg from 'pg';
import type { Projection } from '../projection.js';
import { liveSchema } from '../schema.js';
import { sql } from '../sql.js';
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
  evolve({ event }) {
    switch (event.type) {
      case 'FriendAdded':
        return [
          sql(
            `INSERT INTO friendships (user_id, friend_id) VALUES ($1::uuid, $2::uuid), ($2::uuid, $1::uuid) ON CONFLICT DO NOTHING`,
            event.data.userId, event.data.friendId,
          ),
        ];
      case 'FriendRemoved':
        return [
          sql(
            `DELETE FROM friendships WHERE (user_id, friend_id) IN (($1::uuid, $2::uuid), ($2::uuid, $1::uuid))`,
            event.data.userId, event.data.friendId,
          ),
        ];
      default:
        return [];
    }
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
