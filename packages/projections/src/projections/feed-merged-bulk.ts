import type { ProjectedOf } from '../projection.js';
import { sql, type Statement } from '../sql.js';
import { friendsUpTo, type MergeBounds } from './feed-merged.js';
import { bothWays } from './pairs.js';

/**
 * Bookkeeping of a rebuild's first pass only (see BulkBuild): for each user, how many
 * FriendAdded events named them so far. It never shrinks, so it bounds their friend count
 * from above. Unlogged and never swapped in: the build schema is dropped after the swap,
 * and a rebuild that crashes starts again from scratch.
 */
export const friendsAddedDdl = `
  CREATE UNLOGGED TABLE feed_friends_added (
    user_id uuid PRIMARY KEY,
    added integer NOT NULL
  );`;

/**
 * The merged set's side of enterMerged, for a rebuild's first pass, which writes no feed
 * row (feed-fill.ts fills them after): the same authors enter, those of the run's new
 * friendships now past the limit.
 *
 * Only the authors named by more FriendAdded events than the limit are counted. On the
 * rebuild's fresh tables (never vacuumed, so an index-only count is not one) the bounded
 * count of enterMerged fetches a scattered heap page per friend: about 300,000 per batch
 * of 5,000 friendships, half of the first pass's time, growing with the table. Counting
 * the run's authors in one scan visits every page of `friendships` at each batch instead:
 * quadratic. The tally costs one row per author of the run, whatever the table's size.
 */
export function enterMergedSet(added: readonly ProjectedOf<'FriendAdded'>[], bounds: MergeBounds): Statement[] {
  const named = bothWays(added).map(([user]) => user);
  if (named.length === 0) return [];
  return [sql(
    `WITH tally AS (
       INSERT INTO feed_friends_added AS t (user_id, added)
       SELECT user_id, count(*) FROM unnest($1::uuid[]) AS n (user_id) GROUP BY user_id
       ON CONFLICT (user_id) DO UPDATE SET added = t.added + EXCLUDED.added
       RETURNING user_id, added)
     INSERT INTO feed_merged_authors (author_id)
     SELECT t.user_id FROM tally t
     WHERE t.added > $2::int
       AND NOT EXISTS (SELECT 1 FROM feed_merged_authors m WHERE m.author_id = t.user_id)
       AND ${friendsUpTo('t.user_id', '$2::int + 1')} > $2::int
     ON CONFLICT DO NOTHING`,
    named, bounds.enterAbove,
  )];
}
