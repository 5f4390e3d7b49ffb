// Reads for people rather than for the OTUS contract: one author's posts, one user's
// friends, and the time of each post. They read the posts, friendships and users
// tables that those projections own, through these functions only.
import type pg from 'pg';
import { liveSchema } from '../schema.js';
import type { PostView } from './posts.js';
import type { UserView } from './users.js';
import { isUuid } from './values.js';

/** An OTUS Post plus `created_at`: when it was written (its PostCreated's commit to the log), ISO 8601 UTC. */
export interface TimedPostView extends PostView {
  readonly created_at: string;
}

const isoTime = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const postColumns = `id::text AS id, text, author_id::text AS author_user_id, ${isoTime('created_at')} AS created_at`;

export async function getTimedPost(pool: pg.Pool, id: string): Promise<TimedPostView | null> {
  if (!isUuid(id)) return null;
  const result = await pool.query<TimedPostView>(`SELECT ${postColumns} FROM ${liveSchema}.posts WHERE id = $1`, [id]);
  return result.rows[0] ?? null;
}

/** One author's posts, newest first (the index posts_by_author serves it). */
export async function postsByAuthor(pool: pg.Pool, authorId: string, offset: number, limit: number): Promise<TimedPostView[]> {
  if (!isUuid(authorId)) return [];
  const result = await pool.query<TimedPostView>(
    `SELECT ${postColumns} FROM ${liveSchema}.posts WHERE author_id = $1
     ORDER BY created_at DESC, id DESC OFFSET $2 LIMIT $3`,
    [authorId, offset, limit],
  );
  return result.rows;
}

/** Adds `created_at` to posts read elsewhere (the feed); a post deleted meanwhile is left out. */
export async function withTimes(pool: pg.Pool, posts: readonly PostView[]): Promise<TimedPostView[]> {
  if (posts.length === 0) return [];
  const result = await pool.query<{ id: string; created_at: string }>(
    `SELECT id::text AS id, ${isoTime('created_at')} AS created_at FROM ${liveSchema}.posts WHERE id = ANY($1::uuid[])`,
    [posts.map((p) => p.id)],
  );
  const times = new Map(result.rows.map((r) => [r.id, r.created_at]));
  return posts.flatMap((post) => {
    const createdAt = times.get(post.id);
    return createdAt === undefined ? [] : [{ ...post, created_at: createdAt }];
  });
}

/** A user's friends as OTUS Users, ordered by name, then id. */
export async function friendsOf(pool: pg.Pool, userId: string): Promise<UserView[]> {
  if (!isUuid(userId)) return [];
  const result = await pool.query<UserView>(
    `SELECT u.id::text AS id, u.first_name, u.second_name, to_char(u.birthdate, 'YYYY-MM-DD') AS birthdate, u.biography, u.city
     FROM ${liveSchema}.friendships f JOIN ${liveSchema}.users u ON u.id = f.friend_id
     WHERE f.user_id = $1
     ORDER BY lower(u.first_name) COLLATE "C", lower(u.second_name) COLLATE "C", u.id`,
    [userId],
  );
  return result.rows;
}
