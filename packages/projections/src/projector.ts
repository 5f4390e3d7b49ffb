import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEventStore, type EventStore } from '@herald/eventstore';
import { createLogger, createOps, createPostgresPool, type Logger } from '@herald/kit';
import type pg from 'pg';
import { followLog, type Follower } from './live.js';
import { checkCheckpointsBehindLog, isUnsafeLog } from './log-guard.js';
import { projectorMetrics } from './metrics.js';
import { migrateReadModels } from './migrate.js';
import { createProjections } from './projections/list.js';
import { startOutboxAtHead } from './outbox/first-start.js';
import { createHistoryWriter } from './outbox/history.js';
import { startOutboxRelay } from './outbox/relay.js';
import type { Projection } from './projection.js';
import { Redis } from 'ioredis';
import { describeStuck } from './stuck.js';
import type { ProjectorConfig } from './settings.js';
import { refuseUnbuildable, staleProjections, upgradeStaleProjections, type Upgrade } from './versions.js';

export interface Projector {
  stop(): Promise<void>;
  /** The ops port actually bound (/healthz, /readyz, /metrics). */
  readonly port: number;
}

export interface ProjectorOptions {
  readonly logger?: Logger;
  /** Every projection, as this code declares them; by default createProjections with the configuration's FEED_FANOUT_LIMIT. */
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
  const logger = options.logger ?? createLogger('projector', config.LOG_LEVEL);
  const projections = options.projections ?? createProjections({ feedFanoutLimit: config.FEED_FANOUT_LIMIT });
  // Room for the follower, the relay, and a version being built (its session and its batches).
  const pool = createPostgresPool({ connectionString: config.DATABASE_URL, max: 8 });
  pool.on('error', (error) => logger.warn({ err: error }, 'projector: idle PostgreSQL connection failed'));
  const stale = await prepareTables(pool, projections).catch(async (error: unknown) => {
    await pool.end();
    throw error;
  });
  const store = createEventStore({ databaseUrl: config.DATABASE_URL, eventstoreUrl: config.EVENTSTORE_URL, logger });
  await refuseUnsafeLog(pool, store, logger);

  // The checks run only when asked, after the relay and follower below exist; the relay's metrics go on this registry.
  let follower: Follower | undefined;
  const ops = createOps('projector', [
    { name: 'postgres', check: async () => void (await pool.query('SELECT 1')) },
    { name: 'eventstore', check: () => store.ping() },
    { name: 'rabbitmq', check: async () => { if (!relay.connected()) throw new Error('not connected'); } },
    { name: 'redis', check: async () => void (await redis.ping()) },
    { name: 'projection', check: async () => { const stuck = follower?.stuck(); if (stuck) throw new Error(describeStuck(stuck)); } },
  ]);
  // Fails fast while Redis is away (no offline queue): the relay's pass fails and is retried.
  const redis = new Redis(config.REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy: (attempt) => Math.min(attempt * 100, 2_000) });
  redis.on('error', (error: unknown) => logger.warn({ err: error }, 'projector: Redis (notification history) error'));
  const history = createHistoryWriter(redis, config.REDIS_KEY_PREFIX, {
    minCount: config.HISTORY_MIN_COUNT, minAgeMs: config.HISTORY_MIN_AGE_SECONDS * 1000, ttlSeconds: config.HISTORY_TTL_SECONDS,
  });
  const relay = startOutboxRelay({
    pool, rabbitmqUrl: config.RABBITMQ_URL, exchange: config.FEED_EXCHANGE, logger, registry: ops.registry, history,
    limits: { rows: config.OUTBOX_BATCH_SIZE, recipients: config.OUTBOX_BATCH_RECIPIENTS, recipientsPerMessage: config.OUTBOX_RECIPIENTS_PER_MESSAGE },
    confirmTimeoutMs: config.OUTBOX_CONFIRM_TIMEOUT_MS, refusalsBeforeParking: config.OUTBOX_REFUSALS_BEFORE_PARKING,
  });
  const metrics = projectorMetrics(ops.registry, () => follower?.stuck());
  follower = followLog({
    store, pool, batchSize: config.PROJECTOR_BATCH_SIZE, logger, projections,
    beforeFollowing: async () => {
      await checkCheckpointsBehindLog(pool, store);
      await startOutboxAtHead(pool, store);
    },
    onBatch: (events, outcome, committedAt) => {
      metrics.observe(events, outcome, committedAt);
      if (events.some((e) => e.type === 'PostCreated')) relay.wake();
    },
    onFailure: (stuck) => metrics.failed(stuck),
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
      await follower?.stop();
      await relay.stop();
      redis.disconnect();
      await store.close();
      await pool.end();
    },
  };
}

/**
 * The read models' migrations (the projector owns that schema; the event store's is the
 * command API's), and which projections need a new version built (refusing those that cannot have one).
 */
async function prepareTables(pool: pg.Pool, projections: readonly Projection[]) {
  await migrateReadModels(pool, projections);
  const stale = await staleProjections(pool, projections);
  refuseUnbuildable(stale);
  return stale;
}

/**
 * A log whose positions no longer match the checkpoints (after a restore) stops the
 * start, with the reason and the fix. A store that does not answer yet does not: the
 * follower checks again before each attempt and reports itself stuck meanwhile.
 */
async function refuseUnsafeLog(pool: pg.Pool, store: EventStore, logger: Logger): Promise<void> {
  try {
    await checkCheckpointsBehindLog(pool, store);
  } catch (error) {
    if (!isUnsafeLog(error)) {
      logger.warn({ err: error }, 'projector: could not compare the checkpoints with the log at start; the follower will');
      return;
    }
    await store.close();
    await pool.end();
    throw error;
  }
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}
