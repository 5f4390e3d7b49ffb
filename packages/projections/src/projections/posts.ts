import type pg from 'pg';
import type { Projection } from '../projection.js';
import { liveSchema } from '../schema.js';
import { sql } from '../sql.js';
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
  evolve({ event, createdAt }) {
    switch (event.type) {
      case 'PostCreated':
        return [
          sql(
            `INSERT INTO posts (id, author_id, text, created_at) VALUES ($1::uuid, $2::uuid, $3, $4::timestamptz) ON CONFLICT (id) DO NOTHING`,
            event.data.postId, event.data.authorId, event.data.text, createdAt,
          ),
        ];
      case 'PostUpdated':
        return [sql(`UPDATE posts SET text = $2 WHERE id = $1::uuid`, event.data.postId, event.data.text)];
      case 'PostDeleted':
        return [sql(`DELETE FROM posts WHERE id = $1::uuid`, event.data.postId)];
      default:
        return [];
    }
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
