import type Router from '@koa/router';
import { HeraldError } from '../../errors.js';
import type { HeraldState } from '../context.js';

/**
 * The OTUS document also has `/dialog/{user_id}/send` and `/dialog/{user_id}/list`:
 * they belong to the course's dialogs part, which Herald does not implement. They
 * answer 501 `dialogs_not_served` saying so, rather than a bare 404.
 */
export function dialogRoutes(router: Router<HeraldState>): void {
  const notServed = () => {
    throw new HeraldError('dialogs_not_served');
  };
  router.post('/dialog/:user_id/send', notServed);
  router.get('/dialog/:user_id/list', notServed);
}
