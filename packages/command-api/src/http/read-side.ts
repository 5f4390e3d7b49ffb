import { isPosition, positionShapeText } from '@herald/eventstore';
import type { ReadModelQueries as ProjectionQueries } from '@herald/projections';
import { HeraldError } from '../errors.js';
import type { HeraldContext } from './context.js';
import type { Services } from './services.js';

/** What the query routes need of @herald/projections' `createReadModelQueries(pool)`. */
export type ReadModelQueries = Pick<
  ProjectionQueries,
  'getUser' | 'searchUsers' | 'getPost' | 'getFeed' | 'listPostsByAuthor' | 'listFriends' | 'waitForPosition'
>;

export const positionHeader = 'X-Herald-Position';

/**
 * PostgreSQL and network failures that mean "the database is away", not "the query is
 * wrong"; and 42P01, a table not there yet: the projector creates the read models, and
 * may start after the API on a fresh database.
 */
function isUnavailable(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  const message = error instanceof Error ? error.message : '';
  return /^(08|53|57P|42P01$)/.test(code) || /^E(CONNREFUSED|CONNRESET|PIPE|TIMEDOUT|HOSTUNREACH)$/.test(code) || /Connection terminated|timeout exceeded when trying to connect/i.test(message);
}

/** Runs a read-model query; a database that is away answers 503. */
export async function readModel<T>(query: () => Promise<T>): Promise<T> {
  try {
    return await query();
  } catch (error) {
    if (isUnavailable(error)) throw new HeraldError('read_model_unavailable', undefined, 1, { cause: error });
    throw error;
  }
}

/**
 * Read-your-writes for clients that ask: when the request carries the position a
 * command answered with, wait (bounded) until the read models have reached it.
 * Past the bound the answer is 503 with Retry-After, never silently stale data.
 */
export async function awaitRequestedPosition(
  ctx: HeraldContext,
  { readModels, consistencyWaitMs, positionWaits }: Pick<Services, 'readModels' | 'consistencyWaitMs' | 'positionWaits'>,
): Promise<void> {
  const position = ctx.get(positionHeader);
  if (position === '') return;
  // The shape is checked before any waiting: a string that sorts after every position
  // would otherwise hold the request (and poll the database) for the whole bound.
  if (!isPosition(position)) {
    throw new HeraldError('invalid_input', `${positionHeader}: not a log position (${positionShapeText}); send back what a command answered`);
  }
  // Each waiting query polls the read-model database: an address holds only its own few.
  const reached = await positionWaits.run(ctx.ip, () => readModel(() => readModels.waitForPosition(position, consistencyWaitMs)));
  if (!reached) throw new HeraldError('read_model_behind', undefined, 1);
}
