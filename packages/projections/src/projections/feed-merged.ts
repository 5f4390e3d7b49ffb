import { forRows, sql, type Statement } from '../sql.js';
import { feedCap, trimReaders } from './feed-rows.js';

/**
 * When an author is merged into feeds at read time instead of fanned out (hysteresis):
 * an author enters on a FriendAdded that leaves them with more than `enterAbove` friends,
 * and leaves on a FriendRemoved that leaves them with fewer than `leaveBelow` (90% of the
 * limit, rounded up). Between the two an author stays as they are, so one befriending
 * and unfriending again and again around the limit moves no rows; each move costs up to
 * 1000 rows per friend, and takes a tenth of the limit in new or lost friends to repeat.
 *
 * Within a run of events the check is path-independent: a run that adds friendships
 * removes none (see runs.ts), so a friend count only grows in it and crosses `enterAbove`
 * at some event of the run exactly when it ends above it; a run of FriendRemoved only
 * shrinks counts, the same way down. Entering is checked on FriendAdded only and leaving
 * on FriendRemoved only, so applying a run at once and one event at a time agree.
 */
export interface MergeBounds {
  readonly enterAbove: number;
  readonly leaveBelow: number;
}

export function mergeBounds(fanoutLimit: number): MergeBounds {
  return { enterAbove: fanoutLimit, leaveBelow: Math.ceil(fanoutLimit * 0.9) };
}

/**
 * A friend count, bounded: counting stops after `$n` friends, so checking an author
 * with a million friends reads as many index entries as checking one at the limit.
 */
export const friendsUpTo = (author: string, bound: string) =>
  `(SELECT count(*) FROM (SELECT 1 FROM friendships fr WHERE fr.user_id = ${author} LIMIT ${bound}) few)`;

/** Inserts the authors among `$1` now past the limit `$2` that were not merged yet, answering them. */
const entering = `INSERT INTO feed_merged_authors (author_id)
  SELECT a.author_id FROM unnest($1::uuid[]) AS a (author_id)
  WHERE NOT EXISTS (SELECT 1 FROM feed_merged_authors m WHERE m.author_id = a.author_id)
    AND ${friendsUpTo('a.author_id', '$2::int + 1')} > $2::int
  ON CONFLICT DO NOTHING
  RETURNING author_id`;

/**
 * The authors of a run's new friendships now past the limit become merged, and their
 * rows leave their friends' feeds: for each friend, one range of the feed's primary key
 * (reader_id, ...) filtered by author. Runs before fan-out and backfill, which skip
 * merged authors.
 *
 * The rows go by ctid, found author by author, friend by friend: each step a LATERAL
 * subquery that OFFSET 0 keeps from being flattened into a join the planner may reorder.
 * Joined plainly, a planner misled by a friend count it guessed (a table filling fast, as
 * in a rebuild) scanned the whole feed once per run, for an `entering` that is nearly
 * always empty: the rebuild grew quadratic in the feed's size.
 */
export function enterMerged(authors: readonly string[], bounds: MergeBounds): Statement[] {
  return forRows(authors, () => sql(
    `WITH entering AS (${entering})
     DELETE FROM feed f WHERE f.ctid = ANY(ARRAY(
       SELECT row.ctid FROM entering e
       CROSS JOIN LATERAL (SELECT fr.friend_id FROM friendships fr WHERE fr.user_id = e.author_id OFFSET 0) reader
       CROSS JOIN LATERAL (SELECT x.ctid FROM feed x WHERE x.reader_id = reader.friend_id AND x.author_id = e.author_id OFFSET 0) row))`,
    authors, bounds.enterAbove,
  ));
}

/** The merged authors among `$1` left with fewer friends than `$2`: they go back to fan-out. */
const leavers = `SELECT m.author_id FROM feed_merged_authors m
  WHERE m.author_id = ANY($1::uuid[]) AND ${friendsUpTo('m.author_id', '$2::int')} < $2::int`;

/**
 * The authors of a run's ended friendships now below the lower bound leave the merged
 * set: their newest posts are backfilled into every current friend's feed and those
 * feeds trimmed back to the cap, then they leave the set. Three statements, because the
 * trim must see the backfilled rows; each finds the leavers again, as the set is
 * unchanged until the last one.
 */
export function leaveMerged(authors: readonly string[], bounds: MergeBounds): Statement[] {
  if (authors.length === 0) return [];
  return [
    sql(
      `INSERT INTO feed (reader_id, created_at, post_id, author_id)
       SELECT fr.friend_id, p.created_at, p.id, p.author_id
       FROM (${leavers}) l
       CROSS JOIN LATERAL (SELECT created_at, id, author_id FROM posts WHERE author_id = l.author_id
         ORDER BY created_at DESC, id DESC LIMIT ${feedCap}) p
       JOIN friendships fr ON fr.user_id = l.author_id
       ON CONFLICT DO NOTHING`,
      authors, bounds.leaveBelow,
    ),
    trimReaders(`SELECT DISTINCT fr.friend_id FROM (${leavers}) l JOIN friendships fr ON fr.user_id = l.author_id`, authors, bounds.leaveBelow),
    ...leaveMergedSet(authors, bounds),
  ];
}

/** Only the merged set's side of leaveMerged, for a rebuild that fills the feed afterwards (feed-fill.ts). */
export function leaveMergedSet(authors: readonly string[], bounds: MergeBounds): Statement[] {
  return forRows(authors, () => sql(`DELETE FROM feed_merged_authors WHERE author_id IN (SELECT author_id FROM (${leavers}) l)`, authors, bounds.leaveBelow));
}
