import type { ProjectedOf } from '../projection.js';
import { forRows, sql, type SqlParam, type Statement } from '../sql.js';
import { bothWays } from './pairs.js';

/** Each reader is served the newest posts up to this many. */
export const feedCap = 1000;
/** One post or friendship in this many trims its readers' feeds back to the cap (see trims). */
const trimEvery = 100;

/** Merged authors (see feed-merged.ts) have no rows in any feed: fan-out, backfill and withdrawal skip them. */
export const notMerged = (author: string) => `NOT EXISTS (SELECT 1 FROM feed_merged_authors m WHERE m.author_id = ${author})`;

/**
 * Each post to its author's friends as of the end of the run (see runs.ts), unless its
 * author is merged: one probe of the merged set per post, none per friend.
 */
export function fanOut(posts: readonly ProjectedOf<'PostCreated'>[]): Statement[] {
  return forRows(posts, () => sql(
    `INSERT INTO feed (reader_id, created_at, post_id, author_id)
     SELECT fr.friend_id, p.created_at, p.post_id, p.author_id
     FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[]) AS p (post_id, author_id, created_at)
     JOIN friendships fr ON fr.user_id = p.author_id
     WHERE ${notMerged('p.author_id')}
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

/** The newest posts from before the run of each side into the other's feed, unless that side is merged. */
export function backfill(added: readonly ProjectedOf<'FriendAdded'>[]): Statement[] {
  const pairs = bothWays(added);
  return forRows(pairs, () => sql(
    `INSERT INTO feed (reader_id, created_at, post_id, author_id)
     SELECT pair.reader_id, p.created_at, p.id, p.author_id
     FROM unnest($1::uuid[], $2::uuid[]) AS pair (reader_id, author_id)
     CROSS JOIN LATERAL (SELECT created_at, id, author_id FROM posts WHERE author_id = pair.author_id
       ORDER BY created_at DESC, id DESC LIMIT ${feedCap}) p
     WHERE ${notMerged('pair.author_id')}
     ON CONFLICT DO NOTHING`,
    pairs.map(([reader]) => reader), pairs.map(([, author]) => author),
  ));
}

/**
 * Deletes every row past the cap of the readers `readers` selects (a query of one
 * column, taking `params`).
 */
export function trimReaders(readers: string, ...params: SqlParam[]): Statement {
  return sql(
    `DELETE FROM feed f USING (
       SELECT r.reader_id, c.created_at, c.post_id
       FROM (${readers}) AS r (reader_id)
       CROSS JOIN LATERAL (SELECT created_at, post_id FROM feed x WHERE x.reader_id = r.reader_id
         ORDER BY created_at DESC, post_id DESC OFFSET ${feedCap - 1} LIMIT 1) c) cut
     WHERE f.reader_id = cut.reader_id AND (f.created_at, f.post_id) < (cut.created_at, cut.post_id)`,
    ...params,
  );
}

/** Trims the readers of the trimming posts (of authors fanned out) and the sides of the trimming friendships. */
export function trim(posts: readonly ProjectedOf<'PostCreated'>[], added: readonly ProjectedOf<'FriendAdded'>[]): Statement[] {
  const sides = bothWays(added).map(([reader]) => reader);
  return forRows([...posts, ...sides], () => trimReaders(
    `SELECT fr.friend_id FROM friendships fr WHERE fr.user_id = ANY($1::uuid[]) AND ${notMerged('fr.user_id')}
     UNION SELECT unnest($2::uuid[])`,
    posts.map((p) => p.event.data.authorId), sides,
  ));
}

/** Readers of a post are its author's friends: had a friendship ended, its rows were already gone. */
export function withdraw(deleted: readonly ProjectedOf<'PostDeleted'>[]): Statement[] {
  return forRows(deleted, () => sql(
    `DELETE FROM feed f
     USING (SELECT * FROM unnest($1::uuid[], $2::uuid[]) AS g (post_id, author_id) WHERE ${notMerged('g.author_id')}) AS gone
       JOIN posts p ON p.id = gone.post_id
       JOIN friendships fr ON fr.user_id = gone.author_id
     WHERE f.reader_id = fr.friend_id AND f.created_at = p.created_at AND f.post_id = gone.post_id`,
    deleted.map((d) => d.event.data.postId), deleted.map((d) => d.event.data.authorId),
  ));
}

export function unfriend(removed: readonly ProjectedOf<'FriendRemoved'>[]): Statement[] {
  const pairs = bothWays(removed);
  return forRows(pairs, () => sql(
    `DELETE FROM feed f USING unnest($1::uuid[], $2::uuid[]) AS gone (reader_id, author_id)
     WHERE f.reader_id = gone.reader_id AND f.author_id = gone.author_id`,
    pairs.map(([reader]) => reader), pairs.map(([, author]) => author),
  ));
}
