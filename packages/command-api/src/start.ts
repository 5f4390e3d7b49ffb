import { createServer } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AddressInfo } from 'node:net';
import type { EventStore } from '@herald/eventstore';
import { createEventStore, migrateEventStore } from '@herald/eventstore';
import type { Logger } from '@herald/kit';
import { createLogger, createOps, createPostgresPool } from '@herald/kit';
import { createReadModelQueries } from '@herald/projections';
import { webPage } from '@herald/web';
import type pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { startGrpcServer } from './grpc/auth-service.js';
import { createApp } from './http/app.js';
import { createClientGate } from './http/client-gate.js';
import type { Services } from './http/services.js';
import { schemas } from './http/validation.js';
import { createIdempotencyStore } from './idempotency/store.js';
import { createLoginLimiter } from './sessions/login-limiter.js';
import { createRegistrationLimiter } from './sessions/registration-limiter.js';
import { hashPassword } from './sessions/password.js';
import { createRedis } from './sessions/redis.js';
import { createSessionStore } from './sessions/sessions.js';
import type { CommandApiConfig } from './settings.js';

export interface CommandApi {
  readonly httpPort: number;
  readonly grpcPort: number;
  stop(): Promise<void>;
}

export interface StartOptions {
  readonly logger?: Logger;
  /** An event store to use instead of the one the config names (tests, benchmarks). */
  readonly eventStore?: EventStore;
}

function servicesFor(config: CommandApiConfig, store: EventStore, redis: ReturnType<typeof createRedis>, pool: pg.Pool): Services {
  const prefix = config.REDIS_KEY_PREFIX;
  return {
    store,
    sessions: createSessionStore(redis, prefix, config.SESSION_TTL_SECONDS),
    loginLimiter: createLoginLimiter(redis, prefix, {
      failuresPerUserAndClient: config.LOGIN_FAILURES_PER_USER_AND_CLIENT,
      failuresPerUser: config.LOGIN_FAILURES_PER_USER,
      failuresPerClient: config.LOGIN_FAILURES_PER_CLIENT,
      windowSeconds: config.LOGIN_FAILURE_WINDOW_SECONDS,
      knownClientSeconds: config.LOGIN_KNOWN_CLIENT_SECONDS,
    }),
    registrationLimiter: createRegistrationLimiter(redis, prefix, {
      perClient: config.REGISTRATIONS_PER_CLIENT,
      windowSeconds: config.REGISTRATION_WINDOW_SECONDS,
    }),
    idempotency: createIdempotencyStore(redis, prefix, config.IDEMPOTENCY_TTL_SECONDS),
    passwordWork: createClientGate({
      concurrent: config.PASSWORD_HASHES_PER_CLIENT,
      waiting: config.PASSWORD_HASHES_QUEUED_PER_CLIENT,
      what: 'password checks',
    }),
    positionWaits: createClientGate({ concurrent: config.CONSISTENCY_WAITS_PER_CLIENT, waiting: 0, what: 'queries waiting for X-Herald-Position' }),
    readModels: createReadModelQueries(pool),
    schemas: schemas({
      postTextMaxChars: config.POST_TEXT_MAX_CHARS,
      nameMaxChars: config.NAME_MAX_CHARS,
      passwordMinChars: config.PASSWORD_MIN_CHARS,
      passwordMaxChars: config.PASSWORD_MAX_CHARS,
      feedLimitMax: config.FEED_LIMIT_MAX,
    }),
    clock: () => new Date(),
    newId: () => uuidv7(),
    hashPassword: (password) => hashPassword(password, config.SCRYPT_LOG2_COST),
    pipeline: { maxAttempts: config.COMMAND_MAX_ATTEMPTS },
    consistencyWaitMs: config.CONSISTENCY_WAIT_MS,
    searchLimit: config.SEARCH_LIMIT,
  };
}

function listen(server: ReturnType<typeof createServer>, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

/**
 * The command API in this process: HTTP (API, /openapi.json, /healthz, /readyz,
 * /metrics) and gRPC AuthService. Port 0 binds a free port; the bound ones are returned.
 */
export async function startCommandApi(config: CommandApiConfig, options: StartOptions = {}): Promise<CommandApi> {
  const logger = options.logger ?? createLogger('command-api', config.LOG_LEVEL);
  const pool = createPostgresPool({ connectionString: config.DATABASE_URL, max: 10 });
  pool.on('error', (error) => logger.warn({ err: error }, 'idle read-model connection failed'));
  // The command API owns the event store's schema; the read models are the projector's (docs/architecture.md#migrations).
  if (config.MIGRATE_ON_START && !config.EVENTSTORE_URL) await migrateEventStore(pool);
  const store = options.eventStore ?? createEventStore({
    databaseUrl: config.DATABASE_URL, eventstoreUrl: config.EVENTSTORE_URL, logger, poolSize: config.EVENTSTORE_POOL_SIZE,
  });
  const redis = createRedis(config.REDIS_URL);
  redis.on('error', (error) => logger.warn({ err: error }, 'redis connection problem'));
  // Waited for briefly, not for ever: until Redis answers, requests needing it answer 503.
  const connected = redis.connect().then(() => 'ready' as const, (error: unknown) => error);
  const outcome = await Promise.race([connected, sleep(3_000, 'not ready within 3 s', { ref: false })]);
  if (outcome !== 'ready') logger.warn({ err: outcome }, 'redis not reachable at start; requests needing it answer 503 until it is');

  const services = servicesFor(config, store, redis, pool);
  const ops = createOps('command-api', [
    { name: 'eventstore', check: () => store.ping() },
    { name: 'redis', check: async () => void (await redis.ping()) },
    { name: 'read-models', check: async () => void (await pool.query('SELECT 1')) },
  ]);
  const app = createApp(services, { logger, registry: ops.registry, bodyLimitBytes: config.BODY_LIMIT_BYTES, trustProxy: config.TRUST_PROXY });
  app.use(webPage({ notifierPublicUrl: config.NOTIFIER_PUBLIC_URL }));
  const handleApi = app.callback();
  const http = createServer((req, res) => {
    ops.handle(req, res).then(
      async (handled) => {
        if (!handled) await handleApi(req, res);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'ops request failed');
        if (!res.headersSent) res.writeHead(500);
        res.end();
      },
    );
  });
  http.keepAliveTimeout = 65_000;
  // A client that stops sending mid-body is cut off instead of holding a socket for minutes.
  http.requestTimeout = 15_000;
  http.headersTimeout = 10_000;
  const httpPort = await listen(http, config.HTTP_HOST, config.HTTP_PORT);
  const grpc = await startGrpcServer(config.GRPC_HOST, config.GRPC_PORT, services.sessions, logger);

  return {
    httpPort,
    grpcPort: grpc.port,
    async stop() {
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeIdleConnections();
        // Requests in flight get a moment to finish; keep-alive sockets do not hold the stop up.
        setTimeout(() => http.closeAllConnections(), 2_000).unref();
      });
      await grpc.stop();
      redis.disconnect();
      await pool.end();
      if (!options.eventStore) await store.close();
    },
  };
}
