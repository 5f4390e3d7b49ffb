import { WebSocketServer } from 'ws';
import { createOps, type Logger, type Ops } from '@herald/kit';
import type { FeedNotification } from '@herald/contracts';
import { TokenValidator } from './auth.js';
import { Bindings } from './bindings.js';
import { BusConsumer } from './bus.js';
import { Hub } from './hub.js';
import { createMetrics, type NotifierMetrics } from './metrics.js';
import type { NotifierConfig } from './settings.js';
import { Transport, type Peer } from './transport.js';

export interface Rooms {
  readonly ops: Ops;
  readonly metrics: NotifierMetrics;
  readonly hub: Hub<Peer>;
  readonly bindings: Bindings;
  readonly bus: BusConsumer;
  readonly transport: Transport;
  readonly auth: TokenValidator;
  readonly wss: WebSocketServer;
}

/**
 * Builds the four rooms and connects them: posts flow bus -> fanOut -> transport;
 * membership flows hub -> bindings -> bus. Nothing is started here.
 */
export function createRooms(config: NotifierConfig, logger: Logger): Rooms {
  const ops = createOps('notifier', [{ name: 'rabbitmq', check: async () => { if (!bus.connected) throw new Error('not connected'); } }]);
  const hub = new Hub<Peer>(config.MAX_SOCKETS_PER_USER, {
    first: (userId) => bindings.want(userId, true),
    last: (userId) => bindings.want(userId, false),
  });
  const metrics = createMetrics(ops.registry, { connections: () => hub.peerCount, users: () => hub.userCount });
  const transport = new Transport(
    { sendBufferLimitBytes: config.SEND_BUFFER_LIMIT_BYTES, closeGraceMs: config.CLOSE_GRACE_MS, heartbeatIntervalMs: config.HEARTBEAT_INTERVAL_MS },
    metrics,
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
    refusalCacheTtlMs: config.AUTH_REFUSAL_CACHE_TTL_MS,
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
    let delivered = 0;
    for (const peer of peers) if (transport.send(peer, frame)) delivered += 1;
    metrics.deliveries.inc(delivered);
  }

  return { ops, metrics, hub, bindings, bus, transport, auth, wss };
}
