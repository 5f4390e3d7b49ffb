import type { Middleware } from 'koa';
import { HeraldError } from '../errors.js';
import type { SessionStore } from '../sessions/sessions.js';
import type { HeraldContext, HeraldState } from './context.js';

const bearer = /^Bearer +(\S+)$/i;

/**
 * Resolves the bearer token when one is sent. A refused token is remembered, not
 * thrown: public routes ignore it, routes that need a user call `requireUser`.
 */
export function authenticate(sessions: SessionStore): Middleware<HeraldState> {
  return async (ctx, next) => {
    const header = ctx.get('authorization');
    if (header !== '') {
      const token = bearer.exec(header)?.[1];
      const userId = token === undefined ? null : await sessions.resolve(token);
      if (token === undefined) ctx.state.authProblem = 'the Authorization header must be "Bearer <token>"';
      else if (userId === null) ctx.state.authProblem = 'the bearer token is unknown, expired or revoked';
      else {
        ctx.state.userId = userId;
        ctx.state.token = token;
      }
    }
    await next();
  };
}

/** The acting user, or 401 with WWW-Authenticate: Bearer. */
export function requireUser(ctx: HeraldContext): { userId: string; token: string } {
  const { userId, token } = ctx.state;
  if (userId === undefined || token === undefined) {
    throw new HeraldError('unauthenticated', ctx.state.authProblem ?? 'a bearer token is required (Authorization: Bearer <token>)');
  }
  return { userId, token };
}
