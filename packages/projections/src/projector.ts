import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEventStore, migrateEventStore } from '@herald/eventstore';
import { createLogger, createOps, type Logger } from '@herald/kit';
import pg from 'pg';
import { followLog } from './live.js';
import { projectorMetrics } from './metrics.js';
import { migrateReadModels } from './migrate.js';
import { startOutboxAtHead } from './outbox/first-start.js';
import { startOutboxRelay } from './outbox/relay.js';
import type { Projection } from './projection.js';
import { projections as declared } from './projections/list.js';
import type { ProjectorConfig } from './settings.js';
import { refuseUnbuildable, staleProjections, upgradeStaleProjections, type Upgrade } from './versions.js';

export interface Projector {
  stop(): Promise<void>;
  /** The ops port actually bound (/healthz, /readyz, /metrics). */
  readonly port: number;
}

export interface ProjectorOptions {
  readonly logger?: Logger;
  /** The projections as this code declares them; the list in projections/list.ts by default. */
  readonly projections?: readonly Projection[];
}

/** Events per transaction while a new version of a projection is built (as `herald rebuild`). */
const upgradeBatchSize = 5000;

/**
 * The projector daemon: follows the log into the read models, relays the outbox to
 * RabbitMQ, and answers health, readiness and metrics on its ops port. A projection whose
 * live tables another version wrote is built anew beside them and swapped in.
 */
export async function startProjector(config: ProjectorConfig, options: ProjectorOptions = {}): Promise<Projector> {
  const logger = options.logger ?? createLogger('projector');
  const projections = options.projections ?? declared;
  // Room for the follower, the relay, and a version being built (its session and its batches).
  const pool = new pg.Pool({ connectionString: config.DATABASE_URL, max: 8 });
  pool.on('error', (error) => logger.warn({ err: error }, 'projector: idle PostgreSQL connection failed'));
  const stale = await prepareTables(pool, config, projections).catch(async (error: unknown) => {
    await pool.end();
    throw error;
  });
  const store = createEventStore({ databaseUrl: config.DATABASE_URL, eventstoreUrl: config.EVENTSTORE_URL, logger });

  const relay = startOutboxRelay({ pool, rabbitmqUrl: config.RABBITMQ_URL, exchange: config.FEED_EXCHANGE, batchSize: config.OUTBOX_BATCH_SIZE, logger });
  const ops = createOps('projector', [
    { name: 'postgres', check: async () => void (await pool.query('SELECT 1')) },
    { name: 'eventstore', check: () => store.ping() },
    { name: 'rabbitmq', check: async () => { if (!relay.connected()) throw new Error('not connected'); } },
  ]);
  const metrics = projectorMetrics(ops.registry);
  const follower = followLog({
    store, pool, batchSize: config.PROJECTOR_BATCH_SIZE, logger, projections,
    beforeFollowing: () => startOutboxAtHead(pool, store),
    onBatch: (events, outcome, committedAt) => {
      metrics.observe(events, outcome, committedAt);
      if (events.some((e) => e.type === 'PostCreated')) relay.wake();
    },
  });

  const upgrade: Upgrade | undefined = stale.length > 0
    ? upgradeStaleProjections({ pool, store, projections, batchSize: upgradeBatchSize, logger })
    : undefined;

  const server = createServer((req, res) => {
    ops.handle(req, res).then((handled) => {
      if (handled) return;
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'not found' }));
    }, (error: unknown) => {
      logger.error({ err: error }, 'projector: ops request failed');
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  const port = await listen(server, config.PROJECTOR_HOST, config.PROJECTOR_PORT);

  return {
    port,
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await upgrade?.stop();
      await follower.stop();
      await relay.stop();
      await store.close();
      await pool.end();
    },
  };
}

/** Migrations, and which projections need a new version built (refusing those that cannot have one). */
async function prepareTables(pool: pg.Pool, config: ProjectorConfig, projections: readonly Projection[]) {
  if (!config.EVENTSTORE_URL) await migrateEventStore(pool);
  await migrateReadModels(pool, projections);
  const stale = await staleProjections(pool, projections);
  refuseUnbuildable(stale);
  return stale;
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}
