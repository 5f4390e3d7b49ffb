import type { Position } from '@herald/eventstore';
import type { HeraldContext } from './context.js';
import { positionHeader } from './read-side.js';

/** A command's answer: 200, its JSON body, and the log position to read one's own write at. */
export function commandAnswered(ctx: HeraldContext, position: Position | null, body: unknown): void {
  if (position !== null) ctx.set(positionHeader, position);
  ctx.status = 200;
  // Koa would send a bare string as text/plain; the contract wants JSON.
  ctx.type = 'application/json';
  ctx.body = typeof body === 'string' ? JSON.stringify(body) : body;
}
