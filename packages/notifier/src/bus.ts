import { connect, type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import { postNotificationSchema, postsExchangeType, type PostNotification } from '@herald/contracts';
import { clusterNodes, connectToANode, nodeLabel, type ClusterNodes, type Logger } from '@herald/kit';
import { Backoff } from '@herald/kit';
import type { BindingTarget } from './bindings.js';
import type { NotifierMetrics } from './metrics.js';
import { RecentIds } from './recent-ids.js';

export interface BusOptions {
  /** The nodes of one broker or cluster: one is used, the next when it is lost. */
  readonly urls: readonly string[];
  readonly exchange: string;
  readonly prefetch: number;
  readonly reconnectMinMs: number;
  readonly reconnectMaxMs: number;
  readonly dedupeWindow: number;
  readonly logger: Logger;
  readonly metrics: NotifierMetrics;
  /** A first-time notification (a post, or one part of its recipients); called synchronously, acked after it returns. */
  readonly onNotification: (notification: PostNotification) => void;
  /** A new queue was declared after a reconnect: every binding must be made again. */
  readonly onQueueReplaced: () => void;
}

/** The one binding a notifier makes: the fanout exchange ignores keys, so it takes every post. */
export const everyPostKey = '';

interface Live {
  readonly model: ChannelModel;
  readonly channel: Channel;
  readonly queue: string;
}

/**
 * RabbitMQ in, `onNotification(notification)` out; it never touches sockets.
 * One exclusive, server-named, auto-delete queue per process, replaced (and the
 * caller told) whenever the connection is lost and made again with backoff. The queue
 * is bound to the fanout exchange only while the caller wants it (while the process
 * holds sockets): a binding key here is the one the exchange ignores.
 */
export class BusConsumer implements BindingTarget {
  #live: Live | undefined;
  #generation = 0;
  #stopping = false;
  #reconnectTimer: NodeJS.Timeout | undefined;
  readonly #backoff: Backoff;
  readonly #seen: RecentIds;
  readonly #nodes: ClusterNodes;
  /** A connection was had and lost: the next attempt starts at the node after the lost one. */
  #lost = false;
  #ackUpTo: { channel: Channel; message: ConsumeMessage; count: number } | undefined;
  #ackScheduled = false;

  constructor(private readonly options: BusOptions) {
    // Jittered: every notifier reconnects when the broker comes back, and should not all at once.
    this.#backoff = new Backoff({ firstMs: options.reconnectMinMs, maxMs: options.reconnectMaxMs, jitter: 0.5 });
    this.#seen = new RecentIds(options.dedupeWindow);
    this.#nodes = clusterNodes(options.urls);
  }

  get generation(): number {
    return this.#generation;
  }

  get connected(): boolean {
    return this.#live !== undefined;
  }

  get queue(): string | undefined {
    return this.#live?.queue;
  }

  /** Connects once; if that fails, keeps trying in the background and resolves anyway. */
  async start(): Promise<void> {
    if (!(await this.#connect())) this.#scheduleReconnect();
  }

  async bind(key: string): Promise<void> {
    const live = this.#require();
    await live.channel.bindQueue(live.queue, this.options.exchange, key);
    this.options.metrics.binds.inc();
  }

  async unbind(key: string): Promise<void> {
    const live = this.#require();
    await live.channel.unbindQueue(live.queue, this.options.exchange, key);
    this.options.metrics.unbinds.inc();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#reconnectTimer);
    const live = this.#live;
    // Ack what was fanned out before the queue goes, then forget the connection.
    this.#flushAcks();
    this.#lose();
    if (!live) return;
    await live.model.close().catch((error: unknown) => this.options.logger.warn({ err: error }, 'closing the RabbitMQ connection failed'));
  }

  #require(): Live {
    if (!this.#live) throw new Error('not connected to RabbitMQ');
    return this.#live;
  }

  async #connect(): Promise<boolean> {
    const { logger } = this.options;
    let model: ChannelModel | undefined;
    try {
      // Nagle off (amqplib leaves it on): acks and binds must not wait for the broker's delayed ACK.
      const opened = await connectToANode(this.#nodes, (url) => connect(url, { noDelay: true, clientProperties: { connection_name: `herald-notifier pid ${process.pid}` } }), { after: this.#lost });
      model = opened.value;
      const node = nodeLabel(opened.url);
      model.on('error', (error: unknown) => logger.warn({ err: error }, 'RabbitMQ connection error'));
      const channel = await model.createChannel();
      channel.on('error', (error: unknown) => logger.warn({ err: error }, 'RabbitMQ channel error'));
      const queue = await this.#declare(channel);
      const live: Live = { model, channel, queue };
      // Watch for loss only once the queue is ours, so a failure above is a failed attempt.
      model.on('close', () => this.#onClosed(live));
      channel.on('close', () => this.#onClosed(live));
      this.#live = live;
      this.#generation += 1;
      await channel.consume(queue, (message) => this.#receive(channel, message), { noAck: false });
      this.#backoff.reset();
      this.#lost = false;
      logger.info({ queue, exchange: this.options.exchange, node }, 'consuming from RabbitMQ');
      this.options.onQueueReplaced();
      return true;
    } catch (error) {
      logger.warn({ err: error }, 'connecting to RabbitMQ failed');
      if (this.#live?.model === model) this.#lose();
      await model?.close().catch(() => undefined);
      return false;
    }
  }

  async #declare(channel: Channel): Promise<string> {
    await channel.assertExchange(this.options.exchange, postsExchangeType, { durable: true });
    const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true, durable: false });
    await channel.prefetch(this.options.prefetch);
    return queue;
  }

  #onClosed(live: Live): void {
    if (this.#live !== live) return;
    this.#lose();
    this.#lost = true;
    // A channel can die alone (a failed bind): drop the whole connection and start over.
    live.model.close().catch(() => undefined);
    if (this.#stopping) return;
    this.options.logger.warn({ queue: live.queue }, 'lost RabbitMQ; reconnecting');
    this.#scheduleReconnect();
  }

  #lose(): void {
    this.#live = undefined;
    this.#ackUpTo = undefined;
    this.#generation += 1;
  }

  #scheduleReconnect(): void {
    if (this.#stopping || this.#reconnectTimer) return;
    const delay = this.#backoff.next();
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined;
      void this.#connect().then((ok) => {
        if (ok) this.options.metrics.reconnects.inc();
        else this.#scheduleReconnect();
      });
    }, delay);
  }

  #receive(channel: Channel, message: ConsumeMessage | null): void {
    if (message === null) {
      // The broker cancelled our consumer (the queue was deleted): start over.
      const live = this.#live;
      if (live?.channel === channel) this.#onClosed(live);
      return;
    }
    this.options.metrics.publications.inc();
    this.#handle(message);
    this.#ack(channel, message);
  }

  #handle(message: ConsumeMessage): void {
    const notification = parseNotification(message.content);
    if (!notification) {
      this.options.metrics.drops.inc({ reason: 'malformed' });
      this.options.logger.warn({ messageId: message.properties.messageId }, 'dropping a malformed feed message');
      return;
    }
    // A shard's part names the ring's layout in its message id: parts of two layouts never pass for each other.
    const messageId: unknown = message.properties.messageId;
    const key = typeof messageId === 'string' ? messageId : `${notification.eventId}:${String(notification.part)}`;
    if (this.#seen.has(key)) {
      this.options.metrics.drops.inc({ reason: 'duplicate' });
      return;
    }
    this.options.onNotification(notification);
    this.#seen.remember(key);
  }

  /** Acks in batches (multiple = everything up to this tag), after the fan-out. */
  #ack(channel: Channel, message: ConsumeMessage): void {
    const count = this.#ackUpTo?.channel === channel ? this.#ackUpTo.count + 1 : 1;
    this.#ackUpTo = { channel, message, count };
    if (count >= Math.max(1, Math.floor(this.options.prefetch / 4))) this.#flushAcks();
    else if (!this.#ackScheduled) {
      this.#ackScheduled = true;
      setImmediate(() => {
        this.#ackScheduled = false;
        this.#flushAcks();
      });
    }
  }

  #flushAcks(): void {
    const pending = this.#ackUpTo;
    this.#ackUpTo = undefined;
    if (!pending || this.#live?.channel !== pending.channel) return;
    pending.channel.ack(pending.message, true);
  }
}

function parseNotification(content: Buffer): PostNotification | undefined {
  try {
    const parsed = postNotificationSchema.safeParse(JSON.parse(content.toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
