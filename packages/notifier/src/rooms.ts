import { WebSocketServer } from 'ws';
import { createOps, type Logger, type Ops } from '@herald/kit';
import { pushedFrame, type PostNotification } from '@herald/contracts';
import { TokenValidator } from './auth.js';
import { Redis } from 'ioredis';
import { Bindings } from './bindings.js';
import { BusConsumer, everyPostKey } from './bus.js';
import { CatchUp, sendNewer } from './catch-up.js';
import { HistoryReader } from './history.js';
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
  readonly history: HistoryReader;
  readonly catchUp: CatchUp;
  readonly redis: Redis;
  /** The newest cursor this process has taken from the bus (every post comes through every bound queue). */
  lastSeen(): string | undefined;
}

/** How long catching up after a new queue waits for its binding before reading history anyway. */
const rebindWaitMs = 10_000;

/**
 * Builds the four rooms and connects them: posts flow bus -> fanOut -> transport;
 * membership flows hub -> bindings -> bus: the process's queue is bound to the posts
 * exchange from its first user's arrival to its last user's departure. A new queue
 * (after a lost connection) catches every socket up from the history, so the posts
 * routed while there was no queue still reach them, once. Nothing is started here.
 */
export function createRooms(config: NotifierConfig, logger: Logger): Rooms {
  const ops = createOps('notifier', [{ name: 'rabbitmq', check: async () => { if (!bus.connected) throw new Error('not connected'); } }]);
  const hub = new Hub<Peer>(config.MAX_SOCKETS_PER_USER, {
    first: () => {
      if (hub.userCount === 1) bindings.want(everyPostKey, true);
    },
    last: () => {
      if (hub.userCount === 0) bindings.want(everyPostKey, false);
    },
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
    onNotification: fanOut,
    onQueueReplaced: recoverAfterNewQueue,
  });
  // Fails fast while Redis is away: a resume then gets its control frame instead of hanging.
  const redis = new Redis(config.REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 2_000, retryStrategy: (attempt) => Math.min(attempt * 100, 2_000) });
  redis.on('error', (error: unknown) => logger.debug({ err: error }, 'Redis (notification history) error'));
  const history = new HistoryReader(redis, config.REDIS_KEY_PREFIX);
  const catchUp = new CatchUp(history, transport, metrics, logger);
  let lastSeen: string | undefined;
  const bindings = new Bindings(bus, logger);
  const auth = new TokenValidator({
    address: config.AUTH_GRPC_ADDRESS,
    deadlineMs: config.AUTH_DEADLINE_MS,
    cacheTtlMs: config.AUTH_CACHE_TTL_MS,
    cacheMaxEntries: config.AUTH_CACHE_MAX_ENTRIES,
    refusalCacheTtlMs: config.AUTH_REFUSAL_CACHE_TTL_MS,
  });
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: config.MAX_CLIENT_FRAME_BYTES, clientTracking: false });

  /**
   * Writes a notification to every local socket of its recipients that wants it: a new
   * post to all, an edit or a delete only to those that opted in. The frame is encoded
   * once, when the first such socket is found; a message for nobody here costs only the
   * lookups. A socket catching up gets it after its history; one that has it already
   * (a redelivery, or sent from history) does not get it again.
   */
  function fanOut(notification: PostNotification): void {
    const { position, recipients } = notification;
    if (lastSeen === undefined || position > lastSeen) lastSeen = position;
    const forAll = notification.kind === 'post.created';
    let frame: Buffer | undefined;
    let delivered = 0;
    for (const userId of recipients) {
      const peers = hub.peersOf(userId);
      if (!peers) continue;
      for (const peer of peers) {
        if (!forAll && !peer.changes) continue;
        frame ??= Buffer.from(JSON.stringify(pushedFrame(notification)));
        if (peer.pending) peer.pending.push({ cursor: position, frame });
        else if (sendNewer(transport, peer, position, frame)) delivered += 1;
      }
    }
    if (frame) metrics.deliveries.inc(delivered);
    else metrics.drops.inc({ reason: 'no_local_socket' });
  }

  /** Every socket holds its live posts from now, and catches up once the new queue is bound. */
  function recoverAfterNewQueue(): void {
    const bound = Promise.resolve().then(() => bindings.whenBound(everyPostKey, rebindWaitMs));
    for (const peer of hub.peers()) if (peer.socket) void catchUp.run(peer, { tell: false, after: bound });
    bindings.resync();
  }

  return { ops, metrics, hub, bindings, bus, transport, auth, wss, history, catchUp, redis, lastSeen: () => lastSeen };
}
