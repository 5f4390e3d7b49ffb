import type pg from 'pg';
import { eventsOf, type Projection } from '../projection.js';
import { liveSchema } from '../schema.js';
import { forRows, sql } from '../sql.js';
import { isUuid } from './values.js';

/** The OTUS Post. */
export interface PostView {
  readonly id: string;
  readonly text: string;
  readonly author_user_id: string;
}

export const postsProjection: Projection = {
  name: 'posts',
  version: 1,
  handles: ['PostCreated', 'PostUpdated', 'PostDeleted'],
  tables: ['posts'],
  reads: [],
  replayable: true,
  // created_at is the log's commit time of PostCreated: the order of every feed.
  ddl: `
    CREATE TABLE posts (
      id uuid PRIMARY KEY,
      author_id uuid NOT NULL,
      text text NOT NULL,
      created_at timestamptz NOT NULL
    );
    CREATE INDEX posts_by_author ON posts (author_id, created_at DESC, id DESC);`,
  project(run) {
    const created = eventsOf(run, 'PostCreated');
    // The last of several edits of a post in one run is the one that stays.
    const updated = [...new Map(eventsOf(run, 'PostUpdated').map((e) => [e.event.data.postId, e.event.data.text])).entries()];
    const deleted = eventsOf(run, 'PostDeleted').map((e) => e.event.data.postId);
    return [
      ...forRows(created, () => sql(
        `INSERT INTO posts (id, author_id, text, created_at)
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::timestamptz[]) ON CONFLICT (id) DO NOTHING`,
        created.map((e) => e.event.data.postId), created.map((e) => e.event.data.authorId),
        created.map((e) => e.event.data.text), created.map((e) => e.createdAt),
      )),
      ...forRows(updated, () => sql(
        `UPDATE posts p SET text = edit.text FROM unnest($1::uuid[], $2::text[]) AS edit (id, text) WHERE p.id = edit.id`,
        updated.map(([id]) => id), updated.map(([, text]) => text),
      )),
      ...forRows(deleted, () => sql(`DELETE FROM posts WHERE id = ANY($1::uuid[])`, deleted)),
    ];
  },
};

export async function getPost(pool: pg.Pool, id: string): Promise<PostView | null> {
  if (!isUuid(id)) return null;
  const result = await pool.query<PostView>(
    `SELECT id::text AS id, text, author_id::text AS author_user_id FROM ${liveSchema}.posts WHERE id = $1`,
    [id],
  );
  return result.rows[0] ?? null;
}
