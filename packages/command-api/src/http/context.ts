import type { ParameterizedContext } from 'koa';

/** Per-request data, set by the middlewares in app order. */
export interface HeraldState {
  requestId: string;
  /** The user of a live bearer token, when the request carried one. */
  userId?: string;
  /** The token itself, for logout. */
  token?: string;
  /** Why the bearer token was refused, when one was sent and refused. */
  authProblem?: string;
}

export type HeraldContext = ParameterizedContext<HeraldState>;
