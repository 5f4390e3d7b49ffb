import { WebSocketServer } from 'ws';
import { brokerShards, createOps, shardChecks, type Logger, type Ops } from '@herald/kit';
import { pushedFrame, type PostNotification } from '@herald/contracts';
import { TokenValidator } from './auth.js';
import { Redis } from 'ioredis';
import { BusConsumer, everyPostKey } from './bus.js';
import { CatchUp, sendNewer } from './catch-up.js';
import { HistoryReader } from './history.js';
import { Hub } from './hub.js';
import { createMetrics, type NotifierMetrics } from './metrics.js';
import type { NotifierConfig } from './settings.js';
import { Shards, type ShardLink } from './shards.js';
import { Transport, type Peer } from './transport.js';

export interface Rooms {
  readonly ops: Ops;
  readonly metrics: NotifierMetrics;
  readonly hub: Hub<Peer>;
  /** The brokers: one consumer per shard, each bound while this process holds users of that shard. */
  readonly shards: Shards;
  readonly transport: Transport;
  readonly auth: TokenValidator;
  readonly wss: WebSocketServer;
  readonly history: HistoryReader;
  readonly catchUp: CatchUp;
  readonly redis: Redis;
}

/** How long catching up after a new queue waits for its binding before reading history anyway. */
const rebindWaitMs = 10_000;
/**
 * History reads at once, and how long a socket caught up unasked keeps trying an
 * unavailable history (see CatchUpOptions). 16 reads keep Redis busy without a queue in
 * it; 30 s outlasts a Redis restart, and holds a socket's live posts no longer than that.
 */
const catchUpOptions = { readsAtOnce: 16, retryForMs: 30_000 };

/**
 * Builds the four rooms and connects them: posts flow bus -> fanOut -> transport;
 * membership flows hub -> bindings -> bus: the process's queue is bound to the posts
 * exchange from its first user's arrival to its last user's departure. A new queue
 * (after a lost connection) catches every socket up from the history, so the posts
 * routed while there was no queue still reach them, once. Nothing is started here.
 */
export function createRooms(config: NotifierConfig, logger: Logger): Rooms {
  const brokers = brokerShards(config);
  const ops = createOps('notifier', shardChecks(brokers.map((b) => b.name), (name) => shards.connected(name)));
  const hub = new Hub<Peer>(config.MAX_SOCKETS_PER_USER, {
    first: (userId) => shards.joined(userId),
    last: (userId) => shards.left(userId),
  });
  const metrics = createMetrics(ops.registry, {
    connections: () => hub.peerCount, users: () => hub.userCount, shards: () => shards.all.map((link) => ({ name: link.name, connected: link.bus.connected })),
  });
  const transport = new Transport(
    { sendBufferLimitBytes: config.SEND_BUFFER_LIMIT_BYTES, closeGraceMs: config.CLOSE_GRACE_MS, heartbeatIntervalMs: config.HEARTBEAT_INTERVAL_MS },
    metrics,
  );
  const shards = new Shards(brokers, (shard, link) => new BusConsumer({
    urls: shard.urls,
    exchange: config.FEED_EXCHANGE,
    prefetch: config.RABBITMQ_PREFETCH,
    reconnectMinMs: config.RABBITMQ_RECONNECT_MIN_MS,
    reconnectMaxMs: config.RABBITMQ_RECONNECT_MAX_MS,
    dedupeWindow: config.DEDUPE_WINDOW,
    logger: brokers.length > 1 ? logger.child({ shard: shard.name }) : logger,
    metrics,
    onNotification: (notification) => fanOut(link(), notification),
    onQueueReplaced: () => recoverAfterNewQueue(link()),
  }), logger);
  // Fails fast while Redis is away: a resume then gets its control frame instead of hanging.
  const redis = new Redis(config.REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 2_000, retryStrategy: (attempt) => Math.min(attempt * 100, 2_000) });
  redis.on('error', (error: unknown) => logger.debug({ err: error }, 'Redis (notification history) error'));
  const history = new HistoryReader(redis, config.REDIS_KEY_PREFIX);
  const catchUp = new CatchUp(history, transport, metrics, logger, catchUpOptions);
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
  function fanOut(link: ShardLink, notification: PostNotification): void {
    const { position, recipients } = notification;
    if (link.lastSeen === undefined || position > link.lastSeen) link.lastSeen = position;
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
    if (!frame) {
      metrics.drops.inc({ reason: 'no_local_socket' });
      return;
    }
    metrics.deliveries.inc(delivered);
    const committedAt = notification.committedAt ? Date.parse(notification.committedAt) : Number.NaN;
    if (delivered > 0 && Number.isFinite(committedAt)) metrics.lag.observe(Math.max(0, Date.now() - committedAt) / 1000);
  }

  /**
   * Every socket of the shard's users holds its live posts from now, and catches up once
   * the new queue is bound (on another node of the shard, after a failover).
   */
  function recoverAfterNewQueue(link: ShardLink): void {
    const bound = Promise.resolve().then(() => link.bindings.whenBound(everyPostKey, rebindWaitMs));
    for (const peer of hub.peers()) if (peer.socket && shards.of(peer.userId) === link) void catchUp.run(peer, { tell: false, after: bound });
    link.bindings.resync();
  }

  return { ops, metrics, hub, shards, transport, auth, wss, history, catchUp, redis };
}
