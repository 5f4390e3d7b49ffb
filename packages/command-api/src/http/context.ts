import type { ParameterizedContext } from 'koa';
import type { CommandIds } from '../idempotency/request.js';

/** Per-request data, set by the middlewares in app order. */
export interface HeraldState {
  requestId: string;
  /** The user of a live bearer token, when the request carried one. */
  userId?: string;
  /** The token itself, for logout. */
  token?: string;
  /** Why the bearer token was refused, when one was sent and refused. */
  authProblem?: string;
  /** Ids derived from the request's Idempotency-Key, when it sent one. */
  ids?: CommandIds;
}

export type HeraldContext = ParameterizedContext<HeraldState>;
