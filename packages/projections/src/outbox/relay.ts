import { createHashRing } from '@herald/contracts';
import { clusterNodes, defaultShardName, lagBuckets, type BrokerShard, type Logger } from '@herald/kit';
import { Backoff } from '@herald/kit';
import type pg from 'pg';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { openBroker, type Broker } from './broker.js';
import type { HistoryWriter } from './history.js';
import { relayPass, sessionQueue, type SessionQueue } from './pass.js';
import { historyBound, tryRelayLock, type BatchLimits } from './rows.js';
import { dropStaleMarks, shardLanes, type ShardLane } from './shards.js';

export interface OutboxRelayOptions {
  readonly pool: pg.Pool;
  /** The brokers (brokerShards of the settings); or, for one broker, its URL. */
  readonly shards?: readonly BrokerShard[];
  readonly rabbitmqUrl?: string;
  readonly exchange: string;
  /** Rows (posts) and recipients per batch, and recipients per message. */
  readonly limits?: Partial<BatchLimits>;
  /** Most batches published and awaiting their confirms at once, per shard (default 4). */
  readonly inFlightBatches?: number;
  readonly logger: Logger;
  readonly registry?: Registry;
  /** How often an idle relay looks for rows it was not woken for. */
  readonly pollIntervalMs?: number;
  /** Per-user history for resuming clients, written before each batch is published; a failed write fails the pass. */
  readonly history?: HistoryWriter;
  /** Longest wait for a batch's confirms: past it the relay drops the connection, and its lock, and starts over (default 15 s). */
  readonly confirmTimeoutMs?: number;
  /** A row RabbitMQ refuses (basic.nack) this many times in a row is parked in outbox_parked (default 3). */
  readonly refusalsBeforeParking?: number;
}

export interface OutboxRelay {
  /** Rows were written: publish them now rather than at the next poll. */
  wake(): void;
  /** Connected to at least one shard. */
  connected(): boolean;
  /** Each shard's name and whether the relay holds a connection to one of its nodes. */
  shards(): Array<{ name: string; connected: boolean }>;
  stop(): Promise<void>;
}

const retryBackoff = { firstMs: 100, maxMs: 5000 };
export const defaultBatchLimits: BatchLimits = { rows: 1000, recipients: 100_000, recipientsPerMessage: 10_000 };
export const defaultConfirmTimeoutMs = 15_000;
export const defaultRefusalsBeforeParking = 3;
/** How often a standby relay tries for the relay lock. */
const standbyMs = 1000;
/** How often an idle relay reads the outbox from its lowest row again. */
const sweepIntervalMs = 30_000;

/**
 * Publishes outbox rows to the exchange with publisher confirms and deletes them only
 * once confirmed: at-least-once, nothing lost when the relay or the broker dies. A row
 * is one post and becomes one message (or one per `recipientsPerMessage` recipients).
 *
 * One relay publishes at a time (a session advisory lock; others stand by). It reads
 * batches in id order and keeps up to `inFlightBatches` of them published but not yet
 * confirmed, so reading, publishing, the broker's confirms and deletes overlap; each
 * batch is deleted when all of its own confirms are in. Any failure drops whatever is
 * in flight and starts again from the lowest row, so every unconfirmed row is
 * published again (a duplicate at worst; consumers dedupe by messageId).
 *
 * A shard's nodes are a cluster: a lost node is left for the next one that answers.
 * With several shards, each is a lane of its own (shards.ts) that publishes its users'
 * part of each post over its own connection and fails, waits and starts over alone: a
 * shard that is down holds back only its own users' notifications.
 */
export function startOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { pool, logger } = options;
  const shards = options.shards ?? [{ name: defaultShardName(1), urls: [options.rabbitmqUrl ?? 'amqp://guest:guest@127.0.0.1:5672'] }];
  const metrics = relayMetrics(options.registry);
  const stopping = new AbortController();
  const lock = relayLockHolder(pool, logger);
  const pass = {
    limits: { ...defaultBatchLimits, ...options.limits }, inFlight: options.inFlightBatches ?? 4, signal: stopping.signal, history: options.history,
    confirmTimeoutMs: options.confirmTimeoutMs ?? defaultConfirmTimeoutMs, parkAfter: options.refusalsBeforeParking ?? defaultRefusalsBeforeParking,
  };
  const lanes = shards.length > 1 ? shardLanes(createHashRing(shards.map((s) => s.name))) : [undefined];
  const runs = shards.map((shard, index) => startLane(shard, lanes[index]));

  function startLane(shard: BrokerShard, lane: ShardLane | undefined) {
    const nodes = clusterNodes(shard.urls);
    const log = logger.child({ shard: shard.name });
    const connected = metrics.connected.labels(shard.name);
    const sleeper = wakeableSleep(stopping.signal);
    let broker: Broker | undefined;
    let lost = false;
    // Refusals (basic.nack) of each row on this shard so far.
    const refusals = new Map<string, number>();

    async function connect(): Promise<Broker> {
      const backoff = new Backoff(retryBackoff);
      for (;;) {
        try {
          const opened = await openBroker(nodes, options.exchange, log, { after: lost });
          connected.set(1);
          log.info({ exchange: options.exchange, node: opened.node }, 'outbox: connected to RabbitMQ');
          void opened.closed.then(() => {
            if (broker === opened) broker = undefined;
            lost = true;
            connected.set(0);
          });
          return opened;
        } catch (error) {
          if (stopping.signal.aborted) throw error;
          const wait = backoff.next();
          log.warn({ err: error, retryInMs: wait }, 'outbox: cannot reach RabbitMQ, retrying');
          await sleeper.sleep(wait);
        }
      }
    }

    async function run(): Promise<void> {
      const afterFailure = new Backoff(retryBackoff);
      // Each pass reads after the last row relayed, so it never wades through the deleted
      // rows behind it that autovacuum has not yet removed (tens of thousands a minute at
      // 500 posts/s). Live batches commit one after another (the live lock), so no row
      // commits behind the cursor; it starts over from the lowest row only to retry refused
      // rows, after a failure, on taking the lock, and when idle once per sweep interval.
      let cursor = '0';
      let session: unknown;
      let sweptAt = 0;
      while (!stopping.signal.aborted) {
        try {
          broker ??= await connect();
          const held = await lock.hold(options.history);
          if (!held) {
            await sleeper.sleep(standbyMs);
            continue;
          }
          if (held !== session) [session, cursor] = [held, '0'];
          if (cursor === '0') sweptAt = Date.now();
          const { relayed, last } = await relayPass(held.session, broker, options.exchange, { ...pass, refusals, lane, onSession: held.queue }, cursor, (batch) => {
            metrics.published.inc(batch.rows);
            metrics.messages.inc(batch.messages);
            metrics.refused.inc(batch.refused + batch.parked.length);
            metrics.parked.inc(batch.parked.length);
            for (const lagMs of batch.lagsMs) metrics.lag.observe(lagMs / 1000);
            for (const { eventId, rowId } of batch.parked) {
              log.error({ eventId, rowId, refusals: pass.parkAfter }, 'outbox: RabbitMQ keeps refusing this notification; parked in outbox_parked, the rest flow on');
            }
          });
          afterFailure.reset();
          if (relayed > 0) cursor = refusals.size > 0 ? '0' : last;
          else if (cursor !== '0' && (refusals.size > 0 || Date.now() - sweptAt >= sweepIntervalMs)) cursor = '0';
          else await sleeper.sleep(options.pollIntervalMs ?? 250, { idle: true });
        } catch (error) {
          cursor = '0';
          // Closing the connection fails every pending confirm of the abandoned pass.
          await broker?.close();
          broker = undefined;
          // One shard: the lock goes too, so a standby relay may take over (a line that swallows confirms, say).
          // Several: only when the session failed, so one shard's trouble does not stop the others.
          await lock.checkAfterFailure({ release: shards.length === 1 });
          if (stopping.signal.aborted) break;
          metrics.failures.inc();
          log.warn({ err: error }, 'outbox: batches not confirmed; their rows stay and will be published again');
          await sleeper.sleep(afterFailure.next());
        }
      }
      await broker?.close();
      broker = undefined;
      connected.set(0);
    }

    return { name: shard.name, running: run(), sleeper, connected: () => broker !== undefined };
  }

  return {
    wake: () => {
      for (const run of runs) run.sleeper.wake();
    },
    connected: () => runs.some((run) => run.connected()),
    shards: () => runs.map((run) => ({ name: run.name, connected: run.connected() })),
    async stop() {
      stopping.abort();
      await Promise.all(runs.map((run) => run.running));
      lock.release();
    },
  };
}

/**
 * The session that holds the relay lock, shared by the lanes of every shard, with its
 * one query queue. Once per session: where history must start, and stale marks cleared.
 */
function relayLockHolder(pool: pg.Pool, logger: Logger) {
  let held: { session: pg.PoolClient; queue: SessionQueue; broken: boolean } | undefined;
  let taking: Promise<typeof held> | undefined;

  async function take(history: HistoryWriter | undefined): Promise<typeof held> {
    const client = await pool.connect();
    try {
      if (!(await tryRelayLock(client))) {
        client.release();
        return undefined;
      }
      // The outbox is mostly empty pages (rows live milliseconds), so once analysed the
      // planner prices a whole-table scan below the id index and every read walked them all
      // (29 ms against 0.1 ms over 2,858 emptied pages). This session only reads by id.
      await client.query('SET enable_seqscan = off');
      const taken = { session: client, queue: sessionQueue(), broken: false };
      // Held, not pooled: its errors would otherwise crash the process. The next query fails and the pass starts over.
      client.on('error', (error) => {
        taken.broken = true;
        logger.warn({ err: error }, 'outbox: relay session lost');
      });
      await dropStaleMarks(client);
      if (history) await history.begin(await historyBound(client));
      return taken;
    } catch (error) {
      client.release(true);
      throw error;
    }
  }

  return {
    /** The lock's session, taken if no lane holds it yet; undefined while another relay holds it. */
    async hold(history: HistoryWriter | undefined) {
      if (held && !held.broken) return held;
      taking ??= take(history).finally(() => (taking = undefined));
      held = await taking;
      return held;
    },
    /**
     * After a failed pass: if the session itself failed, it is ended (and with it the lock),
     * and taken again by the next pass; a lane whose broker failed leaves it to the others.
     */
    async checkAfterFailure({ release = false }: { release?: boolean } = {}) {
      const current = held;
      if (!current) return;
      if (release) current.broken = true;
      if (!current.broken) await current.queue(() => current.session.query('SELECT 1')).catch(() => (current.broken = true));
      if (current.broken && held === current) this.release();
    },
    release() {
      held?.session.release(true); // ends the session, and with it the relay lock
      held = undefined;
    },
  };
}

/** A sleep that `wake` or the abort ends early; a wake while awake makes the next idle sleep return at once. */
function wakeableSleep(signal: AbortSignal) {
  let wakeUp: () => void = () => undefined;
  // A wake while a pass runs is kept, so the next sleep returns at once: a row written
  // then must not wait for the next poll (that was up to 250 ms of every post's latency).
  let woken = false;
  return {
    wake() {
      woken = true;
      wakeUp();
    },
    sleep: (ms: number, { idle = false } = {}) => new Promise<void>((resolve) => {
      if (idle && woken) {
        woken = false;
        resolve();
        return;
      }
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        wakeUp = () => undefined;
        woken = false;
        resolve();
      }
      wakeUp = done;
      signal.addEventListener('abort', done, { once: true });
    }),
  };
}

function relayMetrics(registry: Registry | undefined) {
  const registers = registry ? [registry] : [];
  return {
    published: new Counter({ name: 'herald_outbox_published_total', help: 'Outbox rows (posts) published and confirmed by RabbitMQ', registers }),
    messages: new Counter({ name: 'herald_outbox_messages_total', help: 'Messages published and confirmed (a post with very many recipients is split into several)', registers }),
    failures: new Counter({ name: 'herald_outbox_failures_total', help: 'Relay passes that failed (connection lost, confirms timed out, database error); their unconfirmed rows are published again', registers }),
    refused: new Counter({ name: 'herald_outbox_refused_total', help: 'Outbox rows RabbitMQ refused (basic.nack); retried, and parked after OUTBOX_REFUSALS_BEFORE_PARKING refusals in a row', registers }),
    parked: new Counter({ name: 'herald_outbox_parked_total', help: 'Outbox rows moved to outbox_parked after repeated refusals; they are not delivered until sent again (docs/operations.md)', registers }),
    lag: new Histogram({
      name: 'herald_outbox_relay_lag_seconds',
      help: 'From a post event committed to the log to its notification confirmed by RabbitMQ (one per outbox row; rows from before outbox v4 are not timed)',
      buckets: [...lagBuckets], registers,
    }),
    connected: new Gauge({ name: 'herald_outbox_connected', help: '1 while the relay holds a connection to a node of the shard (0: its part of each post waits in the outbox)', labelNames: ['shard'] as const, registers }),
  };
}
