import type { IncomingMessage, ServerResponse } from 'node:http';
import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * Buckets of the histograms that time a post from its commit to the log to a later stage
 * (projected, relayed, written to sockets): the same everywhere, so the stages compare
 * bucket for bucket; finer around 100 ms, the delivery target.
 */
export const lagBuckets: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** A dependency the process needs to do its work; `check` throws or rejects when it does not answer. */
export interface ReadinessCheck {
  readonly name: string;
  readonly check: () => Promise<void>;
  /**
   * Reported, but the process stays ready while it fails: it can still do part of its
   * work (one shard of several is down: docs/scaling.md). /readyz then says `degraded`.
   */
  readonly degradesOnly?: boolean;
}

export interface Ops {
  readonly registry: Registry;
  /** Answers /healthz, /readyz and /metrics; returns false for any other path. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  /** Runs every readiness check, each bounded by a timeout. */
  readiness(): Promise<{ ready: boolean; degraded: boolean; checks: Record<string, string> }>;
}

const checkTimeoutMs = 2000;

async function runCheck(check: ReadinessCheck): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${checkTimeoutMs} ms`)), checkTimeoutMs);
  });
  try {
    await Promise.race([check.check(), timeout]);
    return 'ok';
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Health, readiness and Prometheus metrics for one process. Each process owns one
 * registry (not prom-client's global), so several services can share a test process.
 */
export function createOps(service: string, checks: readonly ReadinessCheck[]): Ops {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });

  async function readiness() {
    const results = await Promise.all(checks.map(async (c) => [c, await runCheck(c)] as const));
    return {
      ready: results.every(([c, r]) => r === 'ok' || c.degradesOnly === true),
      degraded: results.some(([c, r]) => r !== 'ok' && c.degradesOnly === true),
      checks: Object.fromEntries(results.map(([c, r]) => [c.name, r])),
    };
  }

  function json(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const path = (req.url ?? '/').split('?')[0];
    switch (path) {
      case '/healthz':
        json(res, 200, { status: 'ok', service });
        return true;
      case '/readyz': {
        const result = await readiness();
        const status = !result.ready ? 'not ready' : result.degraded ? 'degraded' : 'ready';
        json(res, result.ready ? 200 : 503, { status, service, checks: result.checks });
        return true;
      }
      case '/metrics':
        res.writeHead(200, { 'content-type': registry.contentType });
        res.end(await registry.metrics());
        return true;
      default:
        return false;
    }
  }

  return { registry, handle, readiness };
}
