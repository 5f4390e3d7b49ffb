import type pg from 'pg';
import { eventsOf, type Projection } from '../projection.js';
import { liveSchema } from '../schema.js';
import { identifier } from '../sql.js';
import { feedFillChunk, feedFillKeys } from './feed-fill.js';
import { enterMergedSet, friendsAddedDdl } from './feed-merged-bulk.js';
import { enterMerged, leaveMerged, leaveMergedSet, mergeBounds } from './feed-merged.js';
import { backfill, fanOut, feedCap, trim, trims, unfriend, withdraw } from './feed-rows.js';
import type { PostView } from './posts.js';
import { isUuid } from './values.js';

/** Authors with more friends than this are merged into feeds at read time (FEED_FANOUT_LIMIT). */
export const defaultFeedFanoutLimit = 1000;

/** Version 2's tables; the statements also bring version 1's (the feed alone) to version 2 in place. */
const ddl = `
  CREATE TABLE IF NOT EXISTS feed (
    reader_id uuid NOT NULL,
    created_at timestamptz NOT NULL,
    post_id uuid NOT NULL,
    author_id uuid NOT NULL,
    PRIMARY KEY (reader_id, created_at, post_id)
  );
  CREATE TABLE IF NOT EXISTS feed_merged_authors (
    author_id uuid PRIMARY KEY
  );`;

/** Both sides of each friendship event, once each. */
function sidesOf(events: readonly { readonly event: { readonly data: { readonly userId: string; readonly friendId: string } } }[]): string[] {
  return [...new Set(events.flatMap(({ event: { data } }) => [data.userId, data.friendId]))];
}

/**
 * A hybrid feed. Fan-out on write: one row per (reader, post), ordered newest first by the
 * post's commit time in the log, ties broken by post id; text is not copied, the query
 * joins `posts`, so an update shows everywhere at once. Authors with more friends than
 * `fanoutLimit` are not fanned out: `feed_merged_authors` lists them, none of their posts
 * has a row in any feed, and the query merges in their newest posts at read time (see
 * feed-merged.ts for when an author enters and leaves that list).
 *
 * Reads `friendships` (who gets a post) and `posts` (backfill, and the commit time of a
 * deleted post), so it must come after friendships and before posts in the list.
 *
 * v2 adds `feed_merged_authors`, hence `IF NOT EXISTS`: a v1 feed is a valid v2 state (no
 * author merged, every one fanned out), so its `migration` keeps it, and no rebuild is
 * needed; an author past the limit is merged on their next new friendship, or all at once
 * by `herald rebuild feeds`.
 *
 * A rebuild writes no feed row while it replays the log: it keeps only the merged set
 * (which depends on the order of friendships, hysteresis), then fills every feed from
 * its definition once caught up (feed-fill.ts), and applies the rest of the log event
 * by event from there.
 */
export function createFeedsProjection(fanoutLimit: number): Projection {
  const bounds = mergeBounds(fanoutLimit);
  return {
    name: 'feeds',
    version: 2,
    handles: ['PostCreated', 'PostDeleted', 'FriendAdded', 'FriendRemoved'],
    tables: ['feed', 'feed_merged_authors'],
    reads: ['friendships', 'posts'],
    replayable: true,
    ddl,
    migration: ddl,
    project(run) {
      const posts = eventsOf(run, 'PostCreated');
      const added = eventsOf(run, 'FriendAdded');
      const removed = eventsOf(run, 'FriendRemoved');
      return [
        ...enterMerged(sidesOf(added), bounds),
        ...fanOut(posts),
        ...backfill(added),
        ...trim(posts.filter((p) => trims(p.event.data.postId)), added.filter((a) => trims(a.eventId))),
        ...withdraw(eventsOf(run, 'PostDeleted')),
        ...unfriend(removed),
        ...leaveMerged(sidesOf(removed), bounds),
      ];
    },
    bulk: {
      project(run) {
        return [
          ...enterMergedSet(eventsOf(run, 'FriendAdded'), bounds),
          ...leaveMergedSet(sidesOf(eventsOf(run, 'FriendRemoved')), bounds),
        ];
      },
      ddl: friendsAddedDdl,
      fillKeys: feedFillKeys,
      fillChunk: feedFillChunk,
      filled: ['feed'],
    },
  };
}

/**
 * A reader's feed, newest first. `offset` and `limit` count posts as in the OTUS spec;
 * only the newest `feedCap` posts are ever served.
 *
 * The stored rows and the newest posts of each merged author the reader befriended,
 * each branch cut at `offset + limit` (the page cannot reach past that in either), so
 * a first page reads a few rows of the feed's primary key and of `posts_by_author` per
 * merged friend, whatever their number of posts.
 */
export async function getFeed(pool: pg.Pool, readerId: string, offset: number, limit: number, schema = liveSchema): Promise<PostView[]> {
  const take = Math.min(limit, feedCap - offset);
  if (!isUuid(readerId) || take <= 0) return [];
  const s = identifier(schema);
  const result = await pool.query<PostView>(
    `SELECT p.id::text AS id, p.text, p.author_id::text AS author_user_id
     FROM (
       (SELECT f.created_at, f.post_id FROM ${s}.feed f WHERE f.reader_id = $1
        ORDER BY f.created_at DESC, f.post_id DESC LIMIT $4)
       UNION ALL
       (SELECT mp.created_at, mp.id FROM ${s}.friendships fr
          JOIN ${s}.feed_merged_authors m ON m.author_id = fr.friend_id
          CROSS JOIN LATERAL (SELECT created_at, id FROM ${s}.posts WHERE author_id = m.author_id
            ORDER BY created_at DESC, id DESC LIMIT $4) mp
        WHERE fr.user_id = $1)
       ORDER BY created_at DESC, post_id DESC OFFSET $2 LIMIT $3
     ) page
     JOIN ${s}.posts p ON p.id = page.post_id
     ORDER BY page.created_at DESC, page.post_id DESC`,
    [readerId, offset, take, offset + take],
  );
  return result.rows;
}
