import type { Middleware } from 'koa';
import { Histogram } from 'prom-client';
import type { Registry } from 'prom-client';
import type { HeraldState } from './context.js';

/** Outermost: times every request, labelled by route pattern (not raw path) and final status. */
export function httpMetrics(registry: Registry): Middleware<HeraldState> {
  const duration = new Histogram({
    name: 'herald_http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  return async (ctx, next) => {
    const end = duration.startTimer();
    try {
      await next();
    } finally {
      const route = typeof ctx._matchedRoute === 'string' ? ctx._matchedRoute : 'unmatched';
      end({ method: ctx.method, route, status: String(ctx.status) });
    }
  };
}
