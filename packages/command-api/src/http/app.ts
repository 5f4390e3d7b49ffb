import type { Logger } from '@herald/kit';
import Router from '@koa/router';
import Koa from 'koa';
import type { Registry } from 'prom-client';
import { authenticate } from './auth.js';
import { jsonBody } from './body.js';
import type { HeraldState } from './context.js';
import { errorMapper } from './error-mapper.js';
import { httpMetrics } from './metrics.js';
import { requestId } from './request-id.js';
import { dialogRoutes } from './routes/dialogs.js';
import { friendRoutes } from './routes/friends.js';
import { openApiRoute } from './routes/openapi.js';
import { postRoutes } from './routes/posts.js';
import { userRoutes } from './routes/users.js';
import type { Services } from './services.js';

export interface AppOptions {
  readonly logger: Logger;
  readonly registry: Registry;
  readonly bodyLimitBytes: number;
  readonly trustProxy: boolean;
}

export function createRouter(services: Services): Router<HeraldState> {
  const router = new Router<HeraldState>();
  userRoutes(router, services);
  friendRoutes(router, services);
  postRoutes(router, services);
  dialogRoutes(router);
  openApiRoute(router);
  return router;
}

/** The HTTP API: metrics outside everything, then the error mapper, request id, body, auth, routes. */
export function createApp(services: Services, options: AppOptions): Koa<HeraldState> {
  const app = new Koa<HeraldState>({ proxy: options.trustProxy });
  const router = createRouter(services);
  app.use(httpMetrics(options.registry));
  app.use(errorMapper(options.logger));
  app.use(requestId());
  app.use(jsonBody(options.bodyLimitBytes));
  app.use(authenticate(services.sessions));
  app.use(router.routes());
  app.use(router.allowedMethods({ throw: true }));
  return app;
}
