import type { Logger } from '@herald/kit';
import type { EventStore } from './port.js';
import { createPostgresEventStore } from './postgres/store.js';

export interface EventStoreOptions {
  readonly databaseUrl: string;
  /** An esdb:// URL selects EventStoreDB; otherwise the PostgreSQL store at databaseUrl. */
  readonly eventstoreUrl?: string;
  readonly logger?: Logger;
  readonly maxEventBytes?: number;
}

/** The configured adapter: EventStoreDB when eventstoreUrl is set, PostgreSQL otherwise. */
export function createEventStore(options: EventStoreOptions): EventStore {
  if (options.eventstoreUrl) {
    throw new Error('EventStoreDB adapter not available yet');
  }
  return createPostgresEventStore(options);
}
