import type pg from 'pg';
import type { Projection } from '../projection.js';
import { liveSchema } from '../schema.js';
import { sql, type Statement } from '../sql.js';
import type { PostView } from './posts.js';
import { isUuid } from './values.js';

/** Each reader is served the newest posts up to this many. */
export const feedCap = 1000;
/** One post in this many trims its readers' feeds back to the cap (see trim). */
const trimEvery = 50;

/**
 * Fan-out on write: one row per (reader, post), ordered newest first by the post's
 * commit time in the log, ties broken by post id. Text is not copied: the query joins
 * `posts`, so an update shows everywhere at once.
 *
 * Reads `friendships` (who gets a post) and `posts` (backfill, and the commit time of a
 * deleted post), so it must come after friendships and before posts in the list.
 */
export const feedsProjection: Projection = {
  name: 'feeds',
  version: 1,
  handles: ['PostCreated', 'PostDeleted', 'FriendAdded', 'FriendRemoved'],
  tables: ['feed'],
  reads: ['friendships', 'posts'],
  replayable: true,
  ddl: `
    CREATE TABLE feed (
      reader_id uuid NOT NULL,
      created_at timestamptz NOT NULL,
      post_id uuid NOT NULL,
      author_id uuid NOT NULL,
      PRIMARY KEY (reader_id, created_at, post_id)
    );`,
  evolve({ event, eventId, createdAt }) {
    switch (event.type) {
      case 'PostCreated':
        return fanOut(event.data.postId, event.data.authorId, createdAt);
      case 'PostDeleted':
        return [withdraw(event.data.postId, event.data.authorId)];
      case 'FriendAdded':
        return backfill(event.data.userId, event.data.friendId, eventId);
      case 'FriendRemoved':
        return [unfriend(event.data.userId, event.data.friendId)];
      default:
        return [];
    }
  },
};

function fanOut(postId: string, authorId: string, createdAt: Date): Statement[] {
  const insert = sql(
    `INSERT INTO feed (reader_id, created_at, post_id, author_id)
     SELECT friend_id, $3::timestamptz, $1::uuid, $2::uuid FROM friendships WHERE user_id = $2::uuid
     ON CONFLICT DO NOTHING`,
    postId, authorId, createdAt,
  );
  return trims(postId) ? [insert, trim('SELECT friend_id FROM friendships WHERE user_id = $1::uuid', authorId)] : [insert];
}

/**
 * Whether an event (a post, by its post id; a new friendship, by its event id) trims the
 * feeds it adds to. Counting every reader's rows on every change would double the writes
 * of a fan-out; instead one change in `trimEvery`, picked by id (so live and replay pick
 * the same), cuts its readers back to the cap. A reader holds the cap plus what arrived
 * since its last trim (on average the posts of `trimEvery` fan-outs); queries serve the cap.
 */
export function trims(id: string): boolean {
  return Number.parseInt(id.slice(-4), 16) % trimEvery === 0;
}

/** The newest posts of each into the other's feed. */
function backfill(userId: string, friendId: string, eventId: string): Statement[] {
  const newestOf = (author: string) => `(SELECT created_at, id, author_id FROM posts WHERE author_id = ${author}
    ORDER BY created_at DESC, id DESC LIMIT ${feedCap})`;
  const insert = sql(
    `INSERT INTO feed (reader_id, created_at, post_id, author_id)
     SELECT $1::uuid, p.created_at, p.id, p.author_id FROM ${newestOf('$2::uuid')} p
     UNION ALL
     SELECT $2::uuid, p.created_at, p.id, p.author_id FROM ${newestOf('$1::uuid')} p
     ON CONFLICT DO NOTHING`,
    userId, friendId,
  );
  return trims(eventId) ? [insert, trim('VALUES ($1::uuid), ($2::uuid)', userId, friendId)] : [insert];
}

function unfriend(userId: string, friendId: string): Statement {
  return sql(
    `DELETE FROM feed WHERE (reader_id = $1::uuid AND author_id = $2::uuid) OR (reader_id = $2::uuid AND author_id = $1::uuid)`,
    userId, friendId,
  );
}

/** Readers of a post are the author's friends: had a friendship ended, its rows were already gone. */
function withdraw(postId: string, authorId: string): Statement {
  return sql(
    `DELETE FROM feed f USING friendships fr
     WHERE fr.user_id = $2::uuid AND f.reader_id = fr.friend_id
       AND f.created_at = (SELECT created_at FROM posts WHERE id = $1::uuid) AND f.post_id = $1::uuid`,
    postId, authorId,
  );
}

/** Deletes every row past the cap of each reader in `readers` (a subquery of reader ids). */
function trim(readers: string, ...params: string[]): Statement {
  return sql(
    `DELETE FROM feed f USING (
       SELECT r.reader_id, c.created_at, c.post_id FROM (${readers}) AS r (reader_id)
       CROSS JOIN LATERAL (SELECT created_at, post_id FROM feed x WHERE x.reader_id = r.reader_id
         ORDER BY created_at DESC, post_id DESC OFFSET ${feedCap - 1} LIMIT 1) c) cut
     WHERE f.reader_id = cut.reader_id AND (f.created_at, f.post_id) < (cut.created_at, cut.post_id)`,
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
