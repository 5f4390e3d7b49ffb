import type { FeedNotification } from '@herald/contracts';
import type { Logger } from '@herald/kit';
import type pg from 'pg';
import { Counter, Gauge, type Registry } from 'prom-client';
import { liveSchema } from '../schema.js';
import { openBroker, type Broker } from './broker.js';

export interface OutboxRelayOptions {
  readonly pool: pg.Pool;
  readonly rabbitmqUrl: string;
  readonly exchange: string;
  readonly batchSize: number;
  readonly logger: Logger;
  readonly registry?: Registry;
  /** How often an idle relay looks for rows it was not woken for. */
  readonly pollIntervalMs?: number;
}

export interface OutboxRelay {
  /** Rows were written: publish them now rather than at the next poll. */
  wake(): void;
  connected(): boolean;
  stop(): Promise<void>;
}

interface OutboxRow {
  readonly id: string;
  readonly event_id: string;
  readonly position: string;
  readonly reader_id: string;
  readonly routing_key: string;
  readonly payload: FeedNotification['payload'];
}

const backoff = { firstMs: 100, maxMs: 5000 };

/**
 * Publishes outbox rows to the exchange with publisher confirms and deletes them only
 * once confirmed: at-least-once, nothing lost when the relay or the broker dies. Rows
 * are taken a batch at a time under FOR UPDATE SKIP LOCKED and published back to back,
 * then the whole batch's confirms are awaited: one round trip per batch, not per message.
 */
export function startOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { pool, logger } = options;
  const metrics = relayMetrics(options.registry);
  const stopping = new AbortController();
  let broker: Broker | undefined;
  let wakeUp: () => void = () => undefined;

  const sleep = (ms: number) => new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      stopping.signal.removeEventListener('abort', done);
      wakeUp = () => undefined;
      resolve();
    }
    wakeUp = done;
    stopping.signal.addEventListener('abort', done, { once: true });
  });

  async function connect(): Promise<Broker> {
    let wait = backoff.firstMs;
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
        logger.warn({ err: error, retryInMs: wait }, 'outbox: cannot reach RabbitMQ, retrying');
        await sleep(wait);
        wait = Math.min(wait * 2, backoff.maxMs);
      }
    }
  }

  async function run(): Promise<void> {
    let failures = 0;
    // Rows are read after the last one relayed, so the scan never wades through the
    // deleted rows behind it; live batches commit one after another (the live lock), so
    // no row commits behind the cursor. Idle, it starts over from the lowest row.
    let cursor = '0';
    while (!stopping.signal.aborted) {
      try {
        broker ??= await connect();
        const relayed = await relayBatch(pool, broker, options.exchange, options.batchSize, cursor);
        failures = 0;
        metrics.published.inc(relayed.count);
        if (relayed.count > 0) cursor = relayed.last;
        else if (cursor !== '0') cursor = '0';
        else await sleep(options.pollIntervalMs ?? 250);
      } catch (error) {
        cursor = '0';
        if (stopping.signal.aborted) break;
        failures += 1;
        metrics.failures.inc();
        logger.warn({ err: error }, 'outbox: batch not confirmed; its rows stay and will be published again');
        await broker?.close();
        broker = undefined;
        await sleep(Math.min(backoff.firstMs * 2 ** failures, backoff.maxMs));
      }
    }
  }

  const running = run();
  return {
    wake: () => wakeUp(),
    connected: () => broker !== undefined,
    async stop() {
      stopping.abort();
      await running;
      await broker?.close();
      broker = undefined;
      metrics.connected.set(0);
    },
  };
}

/** One batch: lock rows, publish them all, await every confirm, delete them, commit. */
async function relayBatch(
  pool: pg.Pool, broker: Broker, exchange: string, batchSize: number, after: string,
): Promise<{ count: number; last: string }> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<OutboxRow>(
      `SELECT id::text AS id, event_id, position, reader_id::text AS reader_id, routing_key, payload
       FROM ${liveSchema}.outbox WHERE id > $2::bigint ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [batchSize, after],
    );
    if (rows.length > 0) {
      await publishAll(broker, exchange, rows);
      await client.query(`DELETE FROM ${liveSchema}.outbox WHERE id = ANY($1::bigint[])`, [rows.map((r) => r.id)]);
    }
    await client.query('COMMIT');
    return { count: rows.length, last: rows.at(-1)?.id ?? after };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

async function publishAll(broker: Broker, exchange: string, rows: readonly OutboxRow[]): Promise<void> {
  const { channel } = broker;
  for (const row of rows) {
    const body: FeedNotification = { eventId: row.event_id, position: row.position, payload: row.payload };
    const accepted = channel.publish(exchange, row.routing_key, Buffer.from(JSON.stringify(body)), {
      persistent: true,
      contentType: 'application/json',
      messageId: `${row.event_id}:${row.reader_id}`,
    });
    if (!accepted) await Promise.race([new Promise((resolve) => channel.once('drain', resolve)), broker.closed]);
  }
  // Rejects with 'channel closed' if the connection drops first, and on any nack.
  await channel.waitForConfirms();
}

function relayMetrics(registry: Registry | undefined) {
  const registers = registry ? [registry] : [];
  return {
    published: new Counter({ name: 'herald_outbox_published_total', help: 'Notifications published and confirmed by RabbitMQ', registers }),
    failures: new Counter({ name: 'herald_outbox_failures_total', help: 'Outbox batches not confirmed (republished later)', registers }),
    connected: new Gauge({ name: 'herald_outbox_connected', help: '1 while the relay holds a RabbitMQ connection', registers }),
  };
}
