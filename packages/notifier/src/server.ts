import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createLogger, type Logger } from '@herald/kit';
import { createAdmission } from './admission.js';
import { closeCodes, refusals } from './codes.js';
import { FailureWindows } from './failure-windows.js';
import { createUpgradeGate } from './gate.js';
import { refuseRequest } from './refuse.js';
import { RevocationFeed } from './revocations.js';
import { createRooms, type Rooms } from './rooms.js';
import { SessionSockets } from './session-sockets.js';
import type { NotifierConfig } from './settings.js';

export const feedPath = '/post/feed/posted';

export interface Notifier {
  readonly port: number;
  /** The RabbitMQ queue this process consumes from (undefined while disconnected). */
  queue(): string | undefined;
  stop(): Promise<void>;
}

/**
 * The notifier in this process: the rooms (see rooms.ts), an HTTP server whose upgrade
 * gate authenticates before any upgrade, and a graceful stop. Port 0 binds a free port.
 */
export async function startNotifier(config: NotifierConfig, { logger = createLogger('notifier', config.LOG_LEVEL) }: { logger?: Logger } = {}): Promise<Notifier> {
  let stopping = false;
  const rooms = createRooms(config, logger);
  const { bus, auth, metrics, transport, hub } = rooms;
  // Sessions end their sockets: logouts heard on Redis, expiries by the clock.
  const sessions = new SessionSockets(transport, auth);
  const admit = createAdmission({ ...rooms, sessions, isStopping: () => stopping });
  const failures = new FailureWindows(config.AUTH_FAILURES_PER_CLIENT, config.AUTH_FAILURE_WINDOW_MS);
  const server = createServer(answerPlainRequests(rooms, logger));
  server.on('upgrade', createUpgradeGate({ path: feedPath, auth, failures, trustProxy: config.TRUST_PROXY, isStopping: () => stopping, logger, metrics, admit }));

  await bus.start();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.NOTIFIER_PORT, config.NOTIFIER_HOST, () => resolve());
  });
  transport.startHeartbeat(() => hub.peers());
  const { port } = server.address() as AddressInfo;
  const revocations = new RevocationFeed({
    url: config.REDIS_URL,
    keyPrefix: config.REDIS_KEY_PREFIX,
    connectionName: `herald-notifier-revocations-${process.pid}-${port}`,
    auth,
    sockets: sessions,
    logger,
    metrics,
  });
  revocations.start();
  sessions.start();

  async function stop(): Promise<void> {
    if (stopping) return;
    stopping = true;
    transport.stopHeartbeat();
    sessions.stop();
    revocations.stop();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const peer of hub.peers()) transport.close(peer, closeCodes.goingAway);
    await until(() => hub.peerCount === 0, config.CLOSE_GRACE_MS + 1_000);
    // Every last socket left the hub, so every user is unwanted: let the unbinds finish.
    await rooms.bindings.settled();
    await bus.stop();
    rooms.redis.disconnect();
    auth.close();
    server.closeAllConnections();
    await closed;
    logger.info('notifier stopped');
  }

  return { port, queue: () => bus.queue, stop };
}

/** /healthz, /readyz, /metrics; 426 for a plain GET of the feed path; 404 for the rest. */
function answerPlainRequests({ ops }: Rooms, logger: Logger) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    ops.handle(req, res).then((handled) => {
      if (handled) return;
      const path = (req.url ?? '/').split('?')[0];
      refuseRequest(res, path === feedPath ? refusals.upgradeRequired : refusals.notFound, randomUUID());
    }).catch((error: unknown) => {
      logger.error({ err: error }, 'request failed');
      if (!res.headersSent) res.writeHead(500).end();
    });
  };
}

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}
