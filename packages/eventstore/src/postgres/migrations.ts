import { createPostgresPool, migrate, type Migration } from '@herald/kit';
import type pg from 'pg';

/**
 * `streams` holds each stream's last revision: the row every append to a stream locks,
 * which is what makes expected-revision checks exact. `events` is the log. Its order is
 * (transaction_id, global_position): a sequence alone is not a safe read order, since a
 * transaction may take a lower value and commit after a higher one.
 */
export const eventStoreMigrations: readonly Migration[] = [
  {
    id: '001-events',
    sql: `
      CREATE TABLE streams (
        stream_id text PRIMARY KEY,
        revision bigint NOT NULL
      );
      CREATE TABLE events (
        transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
        global_position bigint GENERATED ALWAYS AS IDENTITY,
        stream_id text NOT NULL,
        revision bigint NOT NULL,
        event_id uuid NOT NULL,
        type text NOT NULL,
        data jsonb NOT NULL,
        metadata jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (transaction_id, global_position)
      );
      CREATE UNIQUE INDEX events_stream_revision ON events (stream_id, revision);
      -- Lets a retried append be recognised instead of doubling its events.
      CREATE UNIQUE INDEX events_stream_event_id ON events (stream_id, event_id);
    `,
  },
];

export const migrationOwner = 'eventstore';

/** Creates or upgrades the event store's tables; safe to run from several processes at once. */
export async function migrateEventStore(target: pg.Pool | string): Promise<string[]> {
  if (typeof target !== 'string') return migrate(target, migrationOwner, eventStoreMigrations);
  const pool = createPostgresPool({ connectionString: target, max: 1 });
  try {
    return await migrate(pool, migrationOwner, eventStoreMigrations);
  } finally {
    await pool.end();
  }
}
