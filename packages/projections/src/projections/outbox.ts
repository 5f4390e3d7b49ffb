import type { Projection } from '../projection.js';
import { sql } from '../sql.js';

/**
 * Notification rows for the relay, written in the transaction that fans the post out:
 * one per friend of the author. Not replayable: history never notifies anyone again.
 */
export const outboxProjection: Projection = {
  name: 'outbox',
  version: 1,
  handles: ['PostCreated'],
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
  evolve({ event, eventId, position }) {
    if (event.type !== 'PostCreated') return [];
    const { postId, authorId, text } = event.data;
    return [
      sql(
        `INSERT INTO outbox (event_id, position, reader_id, routing_key, payload)
         SELECT $1::text, $2::text, friend_id, 'user.' || friend_id::text,
                jsonb_build_object('postId', $3::text, 'postText', $4::text, 'author_user_id', $5::text)
         FROM friendships WHERE user_id = $5::uuid ORDER BY friend_id`,
        eventId, position, postId, text, authorId,
      ),
    ];
  },
};
