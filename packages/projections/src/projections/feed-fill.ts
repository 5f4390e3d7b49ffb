import { feedCap, notMerged } from './feed-rows.js';

/**
 * Readers whose feeds a rebuild fills: those with a friend (no friend, no feed). The
 * runner cuts them into chunks, in order (replay/fill.ts).
 */
export const feedFillKeys = `SELECT DISTINCT user_id AS key FROM friendships`;

/**
 * The feeds of the readers after `$1` up to `$2` (either NULL: unbounded), filled from
 * their definition as of the state the rebuild has reached: for each reader, the newest
 * `feedCap` posts of their current friends that are not merged, with the commit time and
 * author `posts` holds (those the fan-out copied from the same events). Each friend gives
 * at most `feedCap` of their newest posts (a range of `posts_by_author`), so a friend with
 * a long history costs no more than the cap.
 *
 * The rows are inserted in the primary key's order (readers ascending, then their posts
 * oldest first), chunk after chunk: every insert lands on the index's rightmost leaf, as
 * building the index after the rows would, without a CREATE INDEX holding one long
 * transaction (which would hold back the log's read guard, see migrate.ts).
 *
 * Live feeds may hold more than the cap (rows arrived since the reader's last trim, see
 * feed-rows.ts); queries serve the newest `feedCap` either way, so a filled feed serves
 * what one built event by event does, except where that one is approximate: past the
 * cap, after an unfriend or a delete, it can lack older posts a trim cut earlier, which
 * a filled feed has (docs/architecture.md, read models).
 */
export const feedFillChunk = `
  WITH readers AS MATERIALIZED (
    SELECT DISTINCT fr.user_id AS reader_id FROM friendships fr
    WHERE ($1::uuid IS NULL OR fr.user_id > $1::uuid) AND ($2::uuid IS NULL OR fr.user_id <= $2::uuid)),
  filled AS (
    INSERT INTO feed (reader_id, created_at, post_id, author_id)
    SELECT r.reader_id, p.created_at, p.id, p.author_id
    FROM readers r
    CROSS JOIN LATERAL (
      SELECT fp.created_at, fp.id, fp.author_id
      FROM friendships fr
      CROSS JOIN LATERAL (SELECT created_at, id, author_id FROM posts WHERE author_id = fr.friend_id
        ORDER BY created_at DESC, id DESC LIMIT ${feedCap}) fp
      WHERE fr.user_id = r.reader_id AND ${notMerged('fr.friend_id')}
      ORDER BY fp.created_at DESC, fp.id DESC LIMIT ${feedCap}) p
    ORDER BY r.reader_id, p.created_at, p.id
    RETURNING 1)
  SELECT (SELECT count(*)::int FROM filled) AS rows`;
