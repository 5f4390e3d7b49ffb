import { Backoff, type Logger } from '@herald/kit';
import type pg from 'pg';
import { Counter, Gauge, type Registry } from 'prom-client';
import { openBroker, type Broker } from './broker.js';
import type { HistoryWriter } from './history.js';
import { relayPass } from './pass.js';
import { historyBound, tryRelayLock, type BatchLimits } from './rows.js';

export interface OutboxRelayOptions {
  readonly pool: pg.Pool;
  readonly rabbitmqUrl: string;
  readonly exchange: string;
  /** Rows (posts) and recipients per batch, and recipients per message. */
  readonly limits?: Partial<BatchLimits>;
  /** Most batches published and awaiting their confirms at once (default 4). */
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
  connected(): boolean;
  stop(): Promise<void>;
}

const retryBackoff = { firstMs: 100, maxMs: 5000 };
export const defaultBatchLimits: BatchLimits = { rows: 1000, recipients: 100_000, recipientsPerMessage: 10_000 };
export const defaultConfirmTimeoutMs = 15_000;
export const defaultRefusalsBeforeParking = 3;
/** How often a standby relay tries for the relay lock. */
const standbyMs = 1000;

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
 */
export function startOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { pool, logger } = options;
  const metrics = relayMetrics(options.registry);
  const stopping = new AbortController();
  let broker: Broker | undefined;
  let session: pg.PoolClient | undefined;
  let wakeUp: () => void = () => undefined;
  // A wake while a pass runs is kept, so the next sleep returns at once: a row written
  // then must not wait for the next poll (that was up to 250 ms of every post's latency).
  let woken = false;

  const sleep = (ms: number, { idle = false } = {}) => new Promise<void>((resolve) => {
    if (idle && woken) {
      woken = false;
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      stopping.signal.removeEventListener('abort', done);
      wakeUp = () => undefined;
      woken = false;
      resolve();
    }
    wakeUp = done;
    stopping.signal.addEventListener('abort', done, { once: true });
  });

  async function connect(): Promise<Broker> {
    const backoff = new Backoff(retryBackoff);
    for (;;) {
      try {
        const opened = await openBroker(options.rabbitmqUrl, options.exchange, logger);
        metrics.connected.set(1);
        logger.info({ exchange: options.exchange }, 'outbox: connected to RabbitMQ');
        void opened.closed.then(() => {
          if (broker === opened) broker = undefined;
          metrics.connected.set(0);
        });
        return opened;
      } catch (error) {
        if (stopping.signal.aborted) throw error;
        const wait = backoff.next();
        logger.warn({ err: error, retryInMs: wait }, 'outbox: cannot reach RabbitMQ, retrying');
        await sleep(wait);
      }
    }
  }

  /** A session holding the relay lock, or undefined while another relay holds it. */
  async function takeLock(): Promise<pg.PoolClient | undefined> {
    const client = await pool.connect();
    try {
      if (await tryRelayLock(client)) {
        // Held, not pooled: its errors would otherwise crash the process. The next query fails and the pass starts over.
        client.on('error', (error) => logger.warn({ err: error }, 'outbox: relay session lost'));
        return client;
      }
      client.release();
      return undefined;
    } catch (error) {
      client.release(true);
      throw error;
    }
  }

  /** Closing both fails every pending confirm and delete of the abandoned passes. */
  async function disconnect(): Promise<void> {
    session?.release(true); // ends the session, and with it the relay lock
    session = undefined;
    await broker?.close();
    broker = undefined;
  }

  async function run(): Promise<void> {
    const afterFailure = new Backoff(retryBackoff);
    // Each pass reads after the last row relayed, so it never wades through the deleted
    // rows behind it; live batches commit one after another (the live lock), so no row
    // commits behind the cursor. Idle, or after a failure, it starts over from the lowest row.
    let cursor = '0';
    // Once per session that holds the relay lock: where the history must start, should Redis hold none yet.
    let historyBegun = false;
    const pass = {
      limits: { ...defaultBatchLimits, ...options.limits }, inFlight: options.inFlightBatches ?? 4, signal: stopping.signal, history: options.history,
      confirmTimeoutMs: options.confirmTimeoutMs ?? defaultConfirmTimeoutMs,
      refusals: new Map<string, number>(), parkAfter: options.refusalsBeforeParking ?? defaultRefusalsBeforeParking,
    };
    while (!stopping.signal.aborted) {
      try {
        broker ??= await connect();
        session ??= await takeLock();
        if (!session) {
          await sleep(standbyMs);
          continue;
        }
        if (options.history && !historyBegun) {
          await options.history.begin(await historyBound(session));
          historyBegun = true;
        }
        const { relayed, last } = await relayPass(session, broker, options.exchange, pass, cursor, (batch) => {
          metrics.published.inc(batch.rows);
          metrics.messages.inc(batch.messages);
          metrics.refused.inc(batch.refused + batch.parked.length);
          metrics.parked.inc(batch.parked.length);
          for (const { eventId, rowId } of batch.parked) {
            logger.error({ eventId, rowId, refusals: pass.parkAfter }, 'outbox: RabbitMQ keeps refusing this notification; parked in outbox_parked, the rest flow on');
          }
        });
        afterFailure.reset();
        if (relayed > 0) cursor = last;
        else if (cursor !== '0') cursor = '0';
        else await sleep(options.pollIntervalMs ?? 250, { idle: true });
      } catch (error) {
        cursor = '0';
        historyBegun = false;
        await disconnect();
        if (stopping.signal.aborted) break;
        metrics.failures.inc();
        logger.warn({ err: error }, 'outbox: batches not confirmed; their rows stay and will be published again');
        await sleep(afterFailure.next());
      }
    }
  }

  const running = run();
  return {
    wake: () => {
      woken = true;
      wakeUp();
    },
    connected: () => broker !== undefined,
    async stop() {
      stopping.abort();
      await running;
      await disconnect();
      metrics.connected.set(0);
    },
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
    connected: new Gauge({ name: 'herald_outbox_connected', help: '1 while the relay holds a RabbitMQ connection', registers }),
  };
}
