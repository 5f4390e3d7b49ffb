import { connectToANode, nodeLabel, type ClusterNodes, type Logger } from '@herald/kit';
import { postsExchangeType } from '@herald/contracts';
import amqp from 'amqplib';

export interface Broker {
  readonly channel: amqp.ConfirmChannel;
  /** The node connected to (host:port), for logs. */
  readonly node: string;
  /** Resolves when the connection is gone (broker stopped, network lost, or close()). */
  readonly closed: Promise<void>;
  close(): Promise<void>;
}

const closeTimeoutMs = 2000;

function delay<T>(ms: number, value: T): Promise<T> {
  return new Promise((resolve) => setTimeout(() => resolve(value), ms).unref());
}

/**
 * amqplib keeps its socket as `connection.stream`, untyped. Destroyed with an error, it
 * fails every pending operation and amqplib closes the connection, heartbeat timers
 * included (destroyed without one, amqplib never hears of it and its heartbeat runs on).
 */
function destroySocket(model: amqp.ChannelModel): void {
  const stream = (model.connection as unknown as { stream?: { destroy(error?: Error): void } }).stream;
  stream?.destroy(new Error('RabbitMQ did not answer the connection close'));
}

/**
 * A confirm channel on a fresh connection to one node of `nodes` (the first that answers,
 * after the one last lost when `after`), with the durable fanout exchange declared.
 */
export async function openBroker(nodes: ClusterNodes, exchange: string, logger: Logger, { after = false } = {}): Promise<Broker> {
  const { value } = await connectToANode(nodes, (url) => openOn(url, exchange, logger), { after });
  return value;
}

async function openOn(url: string, exchange: string, logger: Logger): Promise<Broker> {
  // amqplib leaves Nagle on: a publish's frames then wait for the broker's delayed ACK,
  // and every confirm came back 40 ms late (measured: 42-50 ms per batch, whatever its size).
  const connection = await amqp.connect(url, { noDelay: true });
  let markClosed: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => {
    markClosed = resolve;
  });
  connection.on('error', (error: unknown) => logger.warn({ err: error }, 'outbox: RabbitMQ connection error'));
  connection.on('close', () => markClosed());
  try {
    const channel = await connection.createConfirmChannel();
    channel.on('error', (error: unknown) => logger.warn({ err: error }, 'outbox: RabbitMQ channel error'));
    channel.on('close', () => {
      // A channel closed by the broker leaves the connection useless to us.
      void connection.close().catch(() => undefined);
    });
    await channel.assertExchange(exchange, postsExchangeType, { durable: true });
    return {
      channel,
      node: nodeLabel(url),
      closed,
      async close() {
        // A line that swallows what the broker sends would leave close() waiting for its CloseOk forever.
        const gone = await Promise.race([connection.close().then(() => true, () => true), delay(closeTimeoutMs, false)]);
        if (!gone) destroySocket(connection);
        markClosed();
      },
    };
  } catch (error) {
    await connection.close().catch(() => undefined);
    throw error;
  }
}
