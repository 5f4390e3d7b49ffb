import type { Logger } from '@herald/kit';
import { createEsdbEventStore } from './esdb/store.js';
import type { EventStore } from './port.js';
import { createPostgresEventStore } from './postgres/store.js';

export interface EventStoreOptions {
  readonly databaseUrl: string;
  /** An esdb:// URL selects EventStoreDB; otherwise the PostgreSQL store at databaseUrl. */
  readonly eventstoreUrl?: string;
  readonly logger?: Logger;
  /** Largest data + metadata of one event, in bytes of JSON; 1 MiB by default. */
  readonly maxEventBytes?: number;
  /** PostgreSQL connections for appends and reads (10 by default); EventStoreDB multiplexes one. */
  readonly poolSize?: number;
}

/** The configured adapter: EventStoreDB when eventstoreUrl is set, PostgreSQL otherwise. */
export function createEventStore(options: EventStoreOptions): EventStore {
  const { databaseUrl, eventstoreUrl, logger, maxEventBytes, poolSize } = options;
  if (eventstoreUrl) return createEsdbEventStore({ connectionString: eventstoreUrl, logger, maxEventBytes });
  return createPostgresEventStore({ databaseUrl, logger, maxEventBytes, poolSize });
}
