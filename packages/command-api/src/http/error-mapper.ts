import { EventStoreInputError, EventStoreUnavailableError } from '@herald/eventstore';
import type { Logger } from '@herald/kit';
import type { Middleware } from 'koa';
import { CommandRefused, type RefusalReason } from '../domain/refusals.js';
import type { ErrorName } from '../errors.js';
import { errorTable, HeraldError } from '../errors.js';
import type { HeraldState } from './context.js';

/** Statuses that body parsing and routing libraries throw (http-errors), by our name. */
const libraryStatuses: Readonly<Record<number, ErrorName>> = {
  400: 'invalid_json',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  501: 'method_not_allowed',
};

/** The deciders' refusals as answers: each reason's entry of the error table (and so its status). */
const refusalAnswers: Readonly<Record<RefusalReason, ErrorName>> = {
  user_already_registered: 'user_already_registered',
  birthdate_not_in_past: 'invalid_input',
  cannot_befriend_self: 'cannot_befriend_self',
  user_not_found: 'user_not_found',
  post_not_found: 'post_not_found',
  not_post_author: 'not_post_author',
};

function statusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const status = 'status' in error ? error.status : 'statusCode' in error ? error.statusCode : undefined;
  return typeof status === 'number' ? status : undefined;
}

/** Every thrown thing, as one of ours. Unknown errors are internal: their text never leaves the process. */
export function toHeraldError(error: unknown): HeraldError {
  if (error instanceof HeraldError) return error;
  if (error instanceof CommandRefused) return new HeraldError(refusalAnswers[error.reason], error.message, undefined, { cause: error });
  if (error instanceof EventStoreUnavailableError) return new HeraldError('event_store_unavailable', undefined, 1, { cause: error });
  // Input the HTTP validation let through but the store refused: over its size limit (either
  // adapter's: PostgreSQL's per event, EventStoreDB's per append), or otherwise invalid.
  if (error instanceof EventStoreInputError && error.code === 'event_too_large') return new HeraldError('event_too_large', undefined, undefined, { cause: error });
  if (error instanceof EventStoreInputError) return new HeraldError('invalid_input', undefined, undefined, { cause: error });
  const status = statusOf(error);
  const name = status === undefined ? undefined : libraryStatuses[status];
  if (name) return new HeraldError(name, undefined, undefined, { cause: error });
  return new HeraldError('internal', undefined, undefined, { cause: error });
}

/**
 * First in the chain: answers every failure as `{message, request_id, code, error}`.
 * The message is shown only below 500; a 5xx logs its cause with the request id.
 */
export function errorMapper(logger: Logger): Middleware<HeraldState> {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) throw new HeraldError('route_not_found');
    } catch (thrown) {
      const error = toHeraldError(thrown);
      const entry = errorTable[error.error];
      // 501 is a known answer (a route Herald does not serve), not a failure to log.
      if (entry.status >= 500 && entry.status !== 501) {
        logger.error({ err: error.cause ?? error, requestId: ctx.state.requestId, method: ctx.method, path: ctx.path, error: error.error }, 'request failed');
      }
      ctx.status = entry.status;
      ctx.body = {
        message: entry.status < 500 ? error.message : entry.message,
        request_id: ctx.state.requestId,
        code: entry.code,
        error: error.error,
        ...(error.problems && entry.status < 500 ? { problems: error.problems } : {}),
      };
      if (error.retryAfterSeconds !== undefined) ctx.set('Retry-After', String(error.retryAfterSeconds));
      if (entry.status === 401) ctx.set('WWW-Authenticate', 'Bearer');
    }
  };
}
