import type pg from 'pg';
import { EventStoreError, EventStoreUnavailableError } from '../errors.js';

/** A pool, or a client inside a caller's transaction: anything that runs a query. */
export interface Queryable {
  query<R extends pg.QueryResultRow>(config: pg.QueryConfig): Promise<pg.QueryResult<R>>;
}

export interface DatabaseErrorFields {
  readonly code?: string;
  readonly constraint?: string;
}

export function databaseError(error: unknown): DatabaseErrorFields {
  return typeof error === 'object' && error !== null ? error : {};
}

/** Driver errors never leave the adapter: callers see the port's errors only. */
export function translateDriverError(error: unknown, doing: string): EventStoreError {
  if (error instanceof EventStoreError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new EventStoreUnavailableError(`event store (PostgreSQL) failed while ${doing}: ${reason}`, { cause: error });
}
