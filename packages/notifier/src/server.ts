import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { createLogger, createOps, type Logger } from '@herald/kit';
import type { FeedNotification } from '@herald/contracts';
import { TokenValidator } from './auth.js';
import { Bindings } from './bindings.js';
import { BusConsumer } from './bus.js';
import { closeCodes, refusals } from './codes.js';
import { createUpgradeGate } from './gate.js';
import { Hub } from './hub.js';
import { createMetrics } from './metrics.js';
import { refuseRequest } from './refuse.js';
import type { NotifierConfig } from './settings.js';
import { Transport, type Peer } from './transport.js';

export const feedPath = '/post/feed/posted';

/** How long a user's first socket waits for its binding before it is let in anyway. */
const bindWaitMs = 5_000;

export interface Notifier {
  readonly port: number;
  /** The RabbitMQ queue this process consumes from (undefined while disconnected). */
  queue(): string | undefined;
  stop(): Promise<void>;
}

/**
 * Wires the four rooms: the hub (who is here), the bus consumer (RabbitMQ in), the
 * transport (ws out) and the HTTP server whose upgrade gate authenticates. Posts flow
 * bus -> fanOut -> transport; membership flows hub -> bindings -> bus.
 */
export async function startNotifier(config: NotifierConfig, { logger = createLogger('notifier') }: { logger?: Logger } = {}): Promise<Notifier> {
  let stopping = false;
  const ops = createOps('notifier', [{ name: 'rabbitmq', check: async () => { if (!bus.connected) throw new Error('not connected'); } }]);
  const hub = new Hub<Peer>(config.MAX_SOCKETS_PER_USER, {
    first: (userId) => bindings.want(userId, true),
    last: (userId) => bindings.want(userId, false),
  });
  const metrics = createMetrics(ops.registry, { connections: () => hub.peerCount, users: () => hub.userCount });
  const transport = new Transport(
    { sendBufferLimitBytes: config.SEND_BUFFER_LIMIT_BYTES, closeGraceMs: config.CLOSE_GRACE_MS, heartbeatIntervalMs: config.HEARTBEAT_INTERVAL_MS },
    metrics,
    logger,
  );
  const bus = new BusConsumer({
    url: config.RABBITMQ_URL,
    exchange: config.FEED_EXCHANGE,
    prefetch: config.RABBITMQ_PREFETCH,
    reconnectMinMs: config.RABBITMQ_RECONNECT_MIN_MS,
    reconnectMaxMs: config.RABBITMQ_RECONNECT_MAX_MS,
    dedupeWindow: config.DEDUPE_WINDOW,
    logger,
    metrics,
    onPublication: fanOut,
    onQueueReplaced: () => bindings.resync(),
  });
  const bindings = new Bindings(bus, logger);
  const auth = new TokenValidator({
    address: config.AUTH_GRPC_ADDRESS,
    deadlineMs: config.AUTH_DEADLINE_MS,
    cacheTtlMs: config.AUTH_CACHE_TTL_MS,
    cacheMaxEntries: config.AUTH_CACHE_MAX_ENTRIES,
  });
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: config.MAX_CLIENT_FRAME_BYTES, clientTracking: false });

  /** Encodes a post once and writes it to every local socket of its reader. */
  function fanOut(userId: string, { payload }: FeedNotification): void {
    const peers = hub.peersOf(userId);
    if (!peers) {
      metrics.drops.inc({ reason: 'no_local_socket' });
      return;
    }
    const frame = Buffer.from(JSON.stringify({ postId: payload.postId, postText: payload.postText, author_user_id: payload.author_user_id }));
    for (const peer of peers) transport.send(peer, frame);
  }

  /** Completes an authenticated upgrade: a place in the hub, the binding, then the socket. */
  async function admit(userId: string, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const peer: Peer = { userId, socket: undefined, alive: true, closeTimer: undefined };
    const admitted = hub.add(userId, peer);
    // Leaving the hub follows the TCP socket, whatever ends it (handshake error, close, cut).
    if (admitted) socket.once('close', () => hub.remove(peer));
    // Wait for the binding, so a client whose socket is open does not miss a post made just after.
    if (admitted) await bindings.whenBound(userId, bindWaitMs);
    if (socket.destroyed) return;
    wss.handleUpgrade(req, socket, head, (ws) => {
      transport.attach(peer, ws);
      if (!admitted) transport.close(peer, closeCodes.tooManySockets);
    });
  }

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    ops.handle(req, res).then((handled) => {
      if (handled) return;
      const path = (req.url ?? '/').split('?')[0];
      refuseRequest(res, path === feedPath ? refusals.upgradeRequired : refusals.notFound, randomUUID());
    }).catch((error: unknown) => {
      logger.error({ err: error }, 'request failed');
      if (!res.headersSent) res.writeHead(500).end();
    });
  }

  const server = createServer(onRequest);
  server.on('upgrade', createUpgradeGate({ path: feedPath, auth, isStopping: () => stopping, logger, metrics, admit }));
  await bus.start();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.NOTIFIER_PORT, config.NOTIFIER_HOST, () => resolve());
  });
  transport.startHeartbeat(() => hub.peers());
  const { port } = server.address() as AddressInfo;

  async function stop(): Promise<void> {
    if (stopping) return;
    stopping = true;
    transport.stopHeartbeat();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const peer of hub.peers()) transport.close(peer, closeCodes.goingAway);
    await until(() => hub.peerCount === 0, config.CLOSE_GRACE_MS + 1_000);
    // Every last socket left the hub, so every user is unwanted: let the unbinds finish.
    await bindings.settled();
    await bus.stop();
    auth.close();
    server.closeAllConnections();
    await closed;
    logger.info('notifier stopped');
  }

  return { port, queue: () => bus.queue, stop };
}

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}
