import { eventsOf, type ProjectedOf, type Projection } from '../projection.js';
import { forRows, sql } from '../sql.js';

const ddl = `
    CREATE TABLE outbox (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      event_id text NOT NULL,
      position text NOT NULL,
      kind text NOT NULL DEFAULT 'post.created',
      payload jsonb NOT NULL,
      recipients uuid[] NOT NULL,
      committed_at timestamptz
    );`;

/**
 * To version 4 from the live tables of version 1, 2 or 3. Version 2 (one row per post)
 * gains the row's kind: every row it holds is a new post. Version 1 held one row per
 * (post, reader); its unpublished rows become one row per post, so an upgrade neither
 * loses nor repeats a notification. Version 4 adds when the event was committed to the
 * log, which the relay and the notifiers measure their lag from; rows written before it
 * have none and are relayed without it.
 */
const fromVersion1To3 = `
    DO $$ BEGIN
      IF EXISTS (SELECT 1 FROM information_schema.columns
                 WHERE table_schema = current_schema() AND table_name = 'outbox' AND column_name = 'reader_id') THEN
        ALTER TABLE outbox RENAME TO outbox_v1;
        ${ddl}
        INSERT INTO outbox (event_id, position, payload, recipients)
          SELECT event_id, min(position), (array_agg(payload))[1], array_agg(reader_id ORDER BY reader_id)
          FROM outbox_v1 GROUP BY event_id ORDER BY min(id);
        DROP TABLE outbox_v1;
      ELSE
        ALTER TABLE outbox ADD COLUMN IF NOT EXISTS kind text NOT NULL DEFAULT 'post.created';
        ALTER TABLE outbox ADD COLUMN IF NOT EXISTS committed_at timestamptz;
      END IF;
    END $$;`;

/** Each post event the outbox notifies of, and the notification's kind. */
const kinds = { PostCreated: 'post.created', PostUpdated: 'post.updated', PostDeleted: 'post.deleted' } as const;

/**
 * Notifications for the relay, written in the transaction that projects the post event:
 * one row per new post, edit or delete (its `kind`), with its recipients, the friends
 * the author had at the event's position. The relay publishes each row once, whatever
 * the friend count; notifiers send edits and deletes only to sockets that asked for them.
 * Not replayable: history never notifies anyone again. An event of an author with no
 * friends writes no row.
 *
 * Listed before friendships, so it reads them as they were before the run; a run's own
 * new friendships count for the posts after them only (hence FriendAdded in `handles`).
 */
export const outboxProjection: Projection = {
  name: 'outbox',
  version: 4,
  handles: ['PostCreated', 'PostUpdated', 'PostDeleted', 'FriendAdded'],
  tables: ['outbox'],
  reads: ['friendships'],
  replayable: false,
  ddl,
  migration: fromVersion1To3,
  migratesFrom: 1,
  project(run) {
    const events = run.filter((e): e is ProjectedOf<keyof typeof kinds> => e.event.type in kinds);
    const added = eventsOf(run, 'FriendAdded');
    const since = added.flatMap(({ event: { data }, position }) => [
      { author: data.userId, reader: data.friendId, position },
      { author: data.friendId, reader: data.userId, position },
    ]);
    // Payload values are the event's own strings (a delete has no text: the key is left out);
    // positions compare byte-wise, as the log orders them.
    return forRows(events, () => sql(
      `INSERT INTO outbox (event_id, position, kind, payload, recipients, committed_at)
       SELECT p.event_id, p.position, p.kind,
              jsonb_strip_nulls(jsonb_build_object('postId', p.post_id, 'postText', p.text, 'author_user_id', p.author_id)), r.recipients,
              p.committed_at
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $10::timestamptz[]) WITH ORDINALITY
         AS p (event_id, position, kind, post_id, text, author_id, committed_at, n)
       CROSS JOIN LATERAL (
         SELECT array_agg(reader_id ORDER BY reader_id) FROM (
           SELECT friend_id FROM friendships WHERE user_id = p.author_id::uuid
           UNION
           SELECT s.reader_id FROM unnest($7::uuid[], $8::uuid[], $9::text[]) AS s (author_id, reader_id, position)
           WHERE s.author_id = p.author_id::uuid AND s.position COLLATE "C" < p.position COLLATE "C"
         ) AS readers (reader_id)
       ) AS r (recipients)
       WHERE r.recipients IS NOT NULL
       ORDER BY p.n`,
      events.map((e) => e.eventId), events.map((e) => e.position), events.map((e) => kinds[e.event.type]),
      events.map((e) => e.event.data.postId), events.map((e) => ('text' in e.event.data ? e.event.data.text : null)),
      events.map((e) => e.event.data.authorId),
      since.map((s) => s.author), since.map((s) => s.reader), since.map((s) => s.position),
      events.map((e) => e.createdAt),
    ));
  },
};
