import { eventsOf, type Projection } from '../projection.js';
import { forRows, sql } from '../sql.js';

const ddl = `
    CREATE TABLE outbox (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      event_id text NOT NULL,
      position text NOT NULL,
      payload jsonb NOT NULL,
      recipients uuid[] NOT NULL
    );`;

/**
 * Version 1 held one row per (post, reader); its unpublished rows become one row per
 * post, so an upgrade neither loses nor repeats a notification.
 */
const fromVersion1 = `
    ALTER TABLE IF EXISTS outbox RENAME TO outbox_v1;
    ${ddl}
    DO $$ BEGIN
      IF to_regclass('outbox_v1') IS NOT NULL THEN
        INSERT INTO outbox (event_id, position, payload, recipients)
          SELECT event_id, min(position), (array_agg(payload))[1], array_agg(reader_id ORDER BY reader_id)
          FROM outbox_v1 GROUP BY event_id ORDER BY min(id);
        DROP TABLE outbox_v1;
      END IF;
    END $$;`;

/**
 * Notifications for the relay, written in the transaction that projects the post: one
 * row per post, with its recipients, the friends the author had when posting. The relay
 * publishes each row once, whatever the friend count. Not replayable: history never
 * notifies anyone again. A post to nobody writes no row.
 *
 * Listed before friendships, so it reads them as they were before the run; a run's own
 * new friendships count for the posts after them only (hence FriendAdded in `handles`).
 */
export const outboxProjection: Projection = {
  name: 'outbox',
  version: 2,
  handles: ['PostCreated', 'FriendAdded'],
  tables: ['outbox'],
  reads: ['friendships'],
  replayable: false,
  ddl,
  migration: fromVersion1,
  project(run) {
    const posts = eventsOf(run, 'PostCreated');
    const added = eventsOf(run, 'FriendAdded');
    const since = added.flatMap(({ event: { data }, position }) => [
      { author: data.userId, reader: data.friendId, position },
      { author: data.friendId, reader: data.userId, position },
    ]);
    // Payload values are the event's own strings; positions compare byte-wise, as the log orders them.
    return forRows(posts, () => sql(
      `INSERT INTO outbox (event_id, position, payload, recipients)
       SELECT p.event_id, p.position,
              jsonb_build_object('postId', p.post_id, 'postText', p.text, 'author_user_id', p.author_id), r.recipients
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY
         AS p (event_id, position, post_id, text, author_id, n)
       CROSS JOIN LATERAL (
         SELECT array_agg(reader_id ORDER BY reader_id) FROM (
           SELECT friend_id FROM friendships WHERE user_id = p.author_id::uuid
           UNION
           SELECT s.reader_id FROM unnest($6::uuid[], $7::uuid[], $8::text[]) AS s (author_id, reader_id, position)
           WHERE s.author_id = p.author_id::uuid AND s.position COLLATE "C" < p.position COLLATE "C"
         ) AS readers (reader_id)
       ) AS r (recipients)
       WHERE r.recipients IS NOT NULL
       ORDER BY p.n`,
      posts.map((p) => p.eventId), posts.map((p) => p.position), posts.map((p) => p.event.data.postId),
      posts.map((p) => p.event.data.text), posts.map((p) => p.event.data.authorId),
      since.map((s) => s.author), since.map((s) => s.reader), since.map((s) => s.position),
    ));
  },
};
