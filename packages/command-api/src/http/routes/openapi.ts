import heraldOpenApi from '@herald/contracts/openapi.json' with { type: 'json' };
import type Router from '@koa/router';
import type { HeraldState } from '../context.js';

/** Herald's own OpenAPI document: the OTUS paths plus Herald's extensions. */
export function openApiRoute(router: Router<HeraldState>): void {
  router.get('/openapi.json', (ctx) => {
    ctx.body = heraldOpenApi;
  });
}
