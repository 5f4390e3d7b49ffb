import { eventsOf, type Projection } from '../projection.js';
import { forRows, sql } from '../sql.js';

/**
 * Notification rows for the relay, written in the transaction that fans the post out:
 * one per friend the author had when posting. Not replayable: history never notifies
 * anyone again.
 *
 * Listed before friendships, so it reads them as they were before the run; a run's own
 * new friendships count for the posts after them only (hence FriendAdded in `handles`).
 */
export const outboxProjection: Projection = {
  name: 'outbox',
  version: 1,
  handles: ['PostCreated', 'FriendAdded'],
  tables: ['outbox'],
  reads: ['friendships'],
  replayable: false,
  ddl: `
    CREATE TABLE outbox (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      event_id text NOT NULL,
      position text NOT NULL,
      reader_id uuid NOT NULL,
      routing_key text NOT NULL,
      payload jsonb NOT NULL
    );`,
  project(run) {
    const posts = eventsOf(run, 'PostCreated');
    const added = eventsOf(run, 'FriendAdded');
    const since = added.flatMap(({ event: { data }, position }) => [
      { author: data.userId, reader: data.friendId, position },
      { author: data.friendId, reader: data.userId, position },
    ]);
    // Payload values are the event's own strings; positions compare byte-wise, as the log orders them.
    return forRows(posts, () => sql(
      `INSERT INTO outbox (event_id, position, reader_id, routing_key, payload)
       SELECT p.event_id, p.position, r.reader_id, 'user.' || r.reader_id::text,
              jsonb_build_object('postId', p.post_id, 'postText', p.text, 'author_user_id', p.author_id)
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY
         AS p (event_id, position, post_id, text, author_id, n)
       CROSS JOIN LATERAL (
         SELECT friend_id FROM friendships WHERE user_id = p.author_id::uuid
         UNION
         SELECT s.reader_id FROM unnest($6::uuid[], $7::uuid[], $8::text[]) AS s (author_id, reader_id, position)
         WHERE s.author_id = p.author_id::uuid AND s.position COLLATE "C" < p.position COLLATE "C"
       ) AS r (reader_id)
       ORDER BY p.n, r.reader_id`,
      posts.map((p) => p.eventId), posts.map((p) => p.position), posts.map((p) => p.event.data.postId),
      posts.map((p) => p.event.data.text), posts.map((p) => p.event.data.authorId),
      since.map((s) => s.author), since.map((s) => s.reader), since.map((s) => s.position),
    ));
  },
};
