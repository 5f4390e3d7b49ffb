import type { Pool } from 'pg';
import { withSession } from './postgres.js';

export interface Migration {
  /** Unique and ordered within its owner, e.g. `001-events`. */
  readonly id: string;
  readonly sql: string;
}

/**
 * Applies an owner's migrations once each, in id order, under an advisory lock so
 * that processes starting together do not race. The owner is the package that owns
 * the tables (one owner per table).
 */
export async function migrate(pool: Pool, owner: string, migrations: readonly Migration[]): Promise<string[]> {
  return withSession(pool, async (client) => {
    try {
      await client.query("SELECT pg_advisory_lock(hashtext('herald.migrations'))");
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        owner text NOT NULL, id text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (owner, id))`);
      const done = await client.query<{ id: string }>('SELECT id FROM schema_migrations WHERE owner = $1', [owner]);
      const applied = new Set(done.rows.map((r) => r.id));
      const pending = [...migrations].sort((a, b) => a.id.localeCompare(b.id)).filter((m) => !applied.has(m.id));
      for (const m of pending) {
        await client.query('BEGIN');
        try {
          await client.query(m.sql);
          await client.query('INSERT INTO schema_migrations (owner, id) VALUES ($1, $2)', [owner, m.id]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK');
          throw new Error(`migration ${owner}/${m.id} failed: ${(error as Error).message}`, { cause: error });
        }
      }
      return pending.map((m) => m.id);
    } finally {
      await client.query("SELECT pg_advisory_unlock(hashtext('herald.migrations'))").catch(() => undefined);
    }
  });
}
