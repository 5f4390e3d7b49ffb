import { createEventStore, migrateEventStore, type EventStore } from '@herald/eventstore';
import { createPostgresPool, loadConfig } from '@herald/kit';
import { createProjections, type Projection } from '@herald/projections';
import type pg from 'pg';
import { settings, type HeraldConfig } from './settings.js';

/** The stores a command works on, configured from the environment as the processes are. */
export interface Stores {
  readonly config: HeraldConfig;
  readonly store: EventStore;
  /** PostgreSQL at DATABASE_URL: the read models (and the log, unless EVENTSTORE_URL names an EventStoreDB). */
  readonly pool: pg.Pool;
  /** What holds the log, for messages. */
  readonly storeName: string;
}

/** The projections as the projector runs them (FEED_FANOUT_LIMIT), so a rebuild builds its tables its way. */
export function configuredProjections(config: HeraldConfig): readonly Projection[] {
  return createProjections({ feedFanoutLimit: config.FEED_FANOUT_LIMIT });
}

/** `subscriptionBatchSize`: events read per query of the log (a rebuild's batch size); the store's default otherwise. */
export async function withStores<T>(work: (stores: Stores) => Promise<T>, options: { readonly subscriptionBatchSize?: number } = {}): Promise<T> {
  const config = loadConfig(settings);
  const pool = createPostgresPool({ connectionString: config.DATABASE_URL, max: 4 });
  pool.on('error', () => undefined);
  const store = createEventStore({ databaseUrl: config.DATABASE_URL, eventstoreUrl: config.EVENTSTORE_URL, ...options });
  const storeName = config.EVENTSTORE_URL ? 'EventStoreDB (EVENTSTORE_URL)' : 'PostgreSQL (DATABASE_URL)';
  try {
    return await work({ config, store, pool, storeName });
  } finally {
    await store.close();
    await pool.end();
  }
}

/** Commands that write the log ready a PostgreSQL store's tables first, as the processes do. */
export async function readyLog(stores: Stores): Promise<void> {
  if (!stores.config.EVENTSTORE_URL) await migrateEventStore(stores.pool);
}
