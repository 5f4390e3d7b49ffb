import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import type { HeraldState } from './context.js';

const acceptable = /^[\w.:-]{1,128}$/;

/** Takes the caller's X-Request-Id when it is sane, or makes one; echoes it back. */
export function requestId(): Middleware<HeraldState> {
  return async (ctx, next) => {
    const given = ctx.get('x-request-id');
    ctx.state.requestId = acceptable.test(given) ? given : randomUUID();
    ctx.set('X-Request-Id', ctx.state.requestId);
    await next();
  };
}
