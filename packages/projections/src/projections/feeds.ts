import type pg from 'pg';
import type { Projection } from '../projection.js';
import { liveSchema } from '../schema.js';
import { sql, type Statement } from '../sql.js';
import type { PostView } from './posts.js';
import { isUuid } from './values.js';

/** Each reader keeps (and is served) the newest posts up to this many. */
export const feedCap = 1000;
/** Trimming waits for this many extra rows, so it runs once per 100 posts, not per post. */
const trimSlack = 100;

/**
 * Fan-out on write: one row per (reader, post), ordered newest first by the post's
 * commit time in the log, ties broken by post id. Text is not copied: the query joins
 * `posts`, so an update shows everywhere at once. `feed_sizes` counts rows per reader
 * so that trimming to the cap touches only readers over it.
 *
 * Reads `friendships` (who gets a post) and `posts` (backfill, and the commit time of a
 * deleted post), so it must come after friendships and before posts in the list.
 */
export const feedsProjection: Projection = {
  name: 'feeds',
  version: 1,
  handles: ['PostCreated', 'PostDeleted', 'FriendAdded', 'FriendRemoved'],
  tables: ['feed', 'feed_sizes'],
  reads: ['friendships', 'posts'],
  replayable: true,
  ddl: `
    CREATE TABLE feed (
      reader_id uuid NOT NULL,
      created_at timestamptz NOT NULL,
      post_id uuid NOT NULL,
      author_id uuid NOT NULL,
      PRIMARY KEY (reader_id, created_at, post_id)
    );
    CREATE TABLE feed_sizes (
      reader_id uuid PRIMARY KEY,
      n integer NOT NULL
    );
    CREATE INDEX feed_sizes_over_cap ON feed_sizes (reader_id) WHERE n > ${feedCap + trimSlack};`,
  evolve({ event, createdAt }) {
    switch (event.type) {
      case 'PostCreated':
        return fanOut(event.data.postId, event.data.authorId, createdAt);
      case 'PostDeleted':
        return [withdraw(event.data.postId, event.data.authorId)];
      case 'FriendAdded':
        return backfill(event.data.userId, event.data.friendId);
      case 'FriendRemoved':
        return [unfriend(event.data.userId, event.data.friendId)];
      default:
        return [];
    }
  },
};

const countAdded = `INSERT INTO feed_sizes AS s (reader_id, n) SELECT reader_id, count(*) FROM added GROUP BY reader_id
  ON CONFLICT (reader_id) DO UPDATE SET n = s.n + EXCLUDED.n`;

const countGone = `UPDATE feed_sizes s SET n = s.n - g.n FROM (SELECT reader_id, count(*) AS n FROM gone GROUP BY reader_id) g
  WHERE s.reader_id = g.reader_id`;

function fanOut(postId: string, authorId: string, createdAt: Date): Statement[] {
  return [
    sql(
      `WITH added AS (
         INSERT INTO feed (reader_id, created_at, post_id, author_id)
         SELECT friend_id, $3::timestamptz, $1::uuid, $2::uuid FROM friendships WHERE user_id = $2::uuid
         ON CONFLICT DO NOTHING RETURNING reader_id)
       ${countAdded}`,
      postId, authorId, createdAt,
    ),
    trim('SELECT friend_id FROM friendships WHERE user_id = $1::uuid', authorId),
  ];
}

/** The newest posts of each into the other's feed. */
function backfill(userId: string, friendId: string): Statement[] {
  const newestOf = (author: string) => `(SELECT created_at, id, author_id FROM posts WHERE author_id = ${author}
    ORDER BY created_at DESC, id DESC LIMIT ${feedCap})`;
  return [
    sql(
      `WITH added AS (
         INSERT INTO feed (reader_id, created_at, post_id, author_id)
         SELECT $1::uuid, p.created_at, p.id, p.author_id FROM ${newestOf('$2::uuid')} p
         UNION ALL
         SELECT $2::uuid, p.created_at, p.id, p.author_id FROM ${newestOf('$1::uuid')} p
         ON CONFLICT DO NOTHING RETURNING reader_id)
       ${countAdded}`,
      userId, friendId,
    ),
    trim('VALUES ($1::uuid), ($2::uuid)', userId, friendId),
  ];
}

function unfriend(userId: string, friendId: string): Statement {
  return sql(
    `WITH gone AS (
       DELETE FROM feed WHERE (reader_id = $1::uuid AND author_id = $2::uuid) OR (reader_id = $2::uuid AND author_id = $1::uuid)
       RETURNING reader_id)
     ${countGone}`,
    userId, friendId,
  );
}

/** Readers of a post are the author's friends: had a friendship ended, its rows were already gone. */
function withdraw(postId: string, authorId: string): Statement {
  return sql(
    `WITH gone AS (
       DELETE FROM feed f USING friendships fr
       WHERE fr.user_id = $2::uuid AND f.reader_id = fr.friend_id
         AND f.created_at = (SELECT created_at FROM posts WHERE id = $1::uuid) AND f.post_id = $1::uuid
       RETURNING f.reader_id)
     ${countGone}`,
    postId, authorId,
  );
}

/**
 * Cuts readers (a subquery of reader ids) that went past the cap plus slack back to the
 * cap. It starts from the few readers over the cap (a partial index), so it costs next
 * to nothing on the usual post.
 */
function trim(readers: string, ...params: string[]): Statement {
  return sql(
    `WITH cut AS (
       SELECT s.reader_id, c.created_at, c.post_id FROM feed_sizes s
       CROSS JOIN LATERAL (SELECT created_at, post_id FROM feed f WHERE f.reader_id = s.reader_id
         ORDER BY created_at DESC, post_id DESC OFFSET ${feedCap - 1} LIMIT 1) c
       WHERE s.n > ${feedCap + trimSlack} AND s.reader_id IN (${readers})),
     gone AS (
       DELETE FROM feed f USING cut
       WHERE f.reader_id = cut.reader_id AND (f.created_at, f.post_id) < (cut.created_at, cut.post_id))
     UPDATE feed_sizes s SET n = ${feedCap} FROM cut WHERE s.reader_id = cut.reader_id`,
    ...params,
  );
}

/**
 * A reader's feed, newest first. `offset` and `limit` count posts as in the OTUS spec;
 * only the newest `feedCap` posts are ever served.
 */
export async function getFeed(pool: pg.Pool, readerId: string, offset: number, limit: number): Promise<PostView[]> {
  const take = Math.min(limit, feedCap - offset);
  if (!isUuid(readerId) || take <= 0) return [];
  const result = await pool.query<PostView>(
    `SELECT p.id::text AS id, p.text, p.author_id::text AS author_user_id
     FROM ${liveSchema}.feed f JOIN ${liveSchema}.posts p ON p.id = f.post_id
     WHERE f.reader_id = $1
     ORDER BY f.created_at DESC, f.post_id DESC
     OFFSET $2 LIMIT $3`,
    [readerId, offset, take],
  );
  return result.rows;
}
