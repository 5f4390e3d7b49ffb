import type pg from 'pg';
import { eventsOf, type ProjectedOf, type Projection } from '../projection.js';
import { liveSchema } from '../schema.js';
import { forRows, sql, type Statement } from '../sql.js';
import { bothWays } from './pairs.js';
import type { PostView } from './posts.js';
import { isUuid } from './values.js';

/** Each reader is served the newest posts up to this many. */
export const feedCap = 1000;
/** One post or friendship in this many trims its readers' feeds back to the cap (see trims). */
const trimEvery = 100;

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
  project(run) {
    const posts = eventsOf(run, 'PostCreated');
    const added = eventsOf(run, 'FriendAdded');
    return [
      ...fanOut(posts),
      ...backfill(added),
      ...trim(posts.filter((p) => trims(p.event.data.postId)), added.filter((a) => trims(a.eventId))),
      ...withdraw(eventsOf(run, 'PostDeleted')),
      ...unfriend(eventsOf(run, 'FriendRemoved')),
    ];
  },
};

/** Each post to its author's friends as of the end of the run (see runs.ts). */
function fanOut(posts: readonly ProjectedOf<'PostCreated'>[]): Statement[] {
  return forRows(posts, () => sql(
    `INSERT INTO feed (reader_id, created_at, post_id, author_id)
     SELECT fr.friend_id, p.created_at, p.post_id, p.author_id
     FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[]) AS p (post_id, author_id, created_at)
     JOIN friendships fr ON fr.user_id = p.author_id
     ON CONFLICT DO NOTHING`,
    posts.map((p) => p.event.data.postId), posts.map((p) => p.event.data.authorId), posts.map((p) => p.createdAt),
  ));
}

/**
 * Whether an event (a post, by its post id; a new friendship, by its event id) trims the
 * feeds it adds to. Counting every reader's rows on every change would double the writes
 * of a fan-out; instead one change in `trimEvery`, picked by id (so live and replay pick
 * the same), cuts its readers back to the cap at the end of its run. A reader holds the
 * cap plus what arrived since its last trim; queries serve the cap.
 */
export function trims(id: string): boolean {
  return Number.parseInt(id.slice(-4), 16) % trimEvery === 0;
}

/** The newest posts from before the run of each side into the other's feed. */
function backfill(added: readonly ProjectedOf<'FriendAdded'>[]): Statement[] {
  const pairs = bothWays(added);
  return forRows(pairs, () => sql(
    `INSERT INTO feed (reader_id, created_at, post_id, author_id)
     SELECT pair.reader_id, p.created_at, p.id, p.author_id
     FROM unnest($1::uuid[], $2::uuid[]) AS pair (reader_id, author_id)
     CROSS JOIN LATERAL (SELECT created_at, id, author_id FROM posts WHERE author_id = pair.author_id
       ORDER BY created_at DESC, id DESC LIMIT ${feedCap}) p
     ON CONFLICT DO NOTHING`,
    pairs.map(([reader]) => reader), pairs.map(([, author]) => author),
  ));
}

/** Deletes every row past the cap of the readers of the trimming posts and friendships. */
function trim(posts: readonly ProjectedOf<'PostCreated'>[], added: readonly ProjectedOf<'FriendAdded'>[]): Statement[] {
  const sides = bothWays(added).map(([reader]) => reader);
  return forRows([...posts, ...sides], () => sql(
    `DELETE FROM feed f USING (
       SELECT r.reader_id, c.created_at, c.post_id
       FROM (SELECT friend_id FROM friendships WHERE user_id = ANY($1::uuid[]) UNION SELECT unnest($2::uuid[])) AS r (reader_id)
       CROSS JOIN LATERAL (SELECT created_at, post_id FROM feed x WHERE x.reader_id = r.reader_id
         ORDER BY created_at DESC, post_id DESC OFFSET ${feedCap - 1} LIMIT 1) c) cut
     WHERE f.reader_id = cut.reader_id AND (f.created_at, f.post_id) < (cut.created_at, cut.post_id)`,
    posts.map((p) => p.event.data.authorId), sides,
  ));
}

/** Readers of a post are its author's friends: had a friendship ended, its rows were already gone. */
function withdraw(deleted: readonly ProjectedOf<'PostDeleted'>[]): Statement[] {
  return forRows(deleted, () => sql(
    `DELETE FROM feed f
     USING unnest($1::uuid[], $2::uuid[]) AS gone (post_id, author_id)
       JOIN posts p ON p.id = gone.post_id
       JOIN friendships fr ON fr.user_id = gone.author_id
     WHERE f.reader_id = fr.friend_id AND f.created_at = p.created_at AND f.post_id = gone.post_id`,
    deleted.map((d) => d.event.data.postId), deleted.map((d) => d.event.data.authorId),
  ));
}

function unfriend(removed: readonly ProjectedOf<'FriendRemoved'>[]): Statement[] {
  const pairs = bothWays(removed);
  return forRows(pairs, () => sql(
    `DELETE FROM feed f USING unnest($1::uuid[], $2::uuid[]) AS gone (reader_id, author_id)
     WHERE f.reader_id = gone.reader_id AND f.author_id = gone.author_id`,
    pairs.map(([reader]) => reader), pairs.map(([, author]) => author),
  ));
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
