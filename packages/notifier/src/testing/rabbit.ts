import { spawnSync } from 'node:child_process';
import { connect, type ChannelModel, type ConfirmChannel } from 'amqplib';
import { notificationMessageId, postsExchangeType, type PostNotification } from '@herald/contracts';

export const rabbitUrl = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const managementUrl = process.env.RABBITMQ_MANAGEMENT_URL ?? 'http://127.0.0.1:15672';

export interface TestPublisher {
  publish(notification: PostNotification): Promise<void>;
  /** Publishes the exact bytes given (for malformed messages). */
  publishRaw(body: Buffer): Promise<void>;
  close(): Promise<void>;
  deleteExchange(): Promise<void>;
}

/** Publishes to the feed exchange the way the projector's outbox relay does. */
export async function createTestPublisher(exchange: string): Promise<TestPublisher> {
  const model: ChannelModel = await connect(rabbitUrl);
  const channel: ConfirmChannel = await model.createConfirmChannel();
  await channel.assertExchange(exchange, postsExchangeType, { durable: true });
  const send = (body: Buffer, messageId?: string) =>
    new Promise<void>((resolve, reject) => {
      channel.publish(exchange, 'post', body, { persistent: true, contentType: 'application/json', messageId }, (error: Error | null) => (error ? reject(error) : resolve()));
    });
  return {
    publish: (notification) => send(Buffer.from(JSON.stringify(notification)), notificationMessageId(notification.eventId, notification.part)),
    publishRaw: (body) => send(body),
    async deleteExchange() {
      await channel.deleteExchange(exchange);
    },
    async close() {
      await model.close();
    },
  };
}

async function management<T>(path: string): Promise<T> {
  const res = await fetch(`${managementUrl}/api${path}`, { headers: { authorization: `Basic ${Buffer.from('guest:guest').toString('base64')}` } });
  if (!res.ok) throw new Error(`RabbitMQ management ${path} answered ${res.status}`);
  return (await res.json()) as T;
}

/** Bindings from the exchange, per destination queue, as the management API reports them. */
export async function bindingsFrom(exchange: string): Promise<Array<{ queue: string; routingKey: string }>> {
  const rows = await management<Array<{ destination: string; destination_type: string; routing_key: string }>>(`/exchanges/%2F/${encodeURIComponent(exchange)}/bindings/source`);
  return rows.filter((r) => r.destination_type === 'queue').map((r) => ({ queue: r.destination, routingKey: r.routing_key }));
}

export async function managementAvailable(): Promise<boolean> {
  try {
    await management('/overview');
    return true;
  } catch {
    return false;
  }
}

let counter = 0;
/** A post's notification for `recipients`, with a fresh event id (or the one given, to simulate a redelivery). */
export function notification(authorId: string, text: string, recipients: readonly string[], eventId = `evt-${process.pid}-${++counter}`): PostNotification {
  // Positions as the log writes them (two groups of 16 hex digits), increasing: sockets compare them.
  const position = `${process.pid.toString(16).padStart(16, '0')}-${counter.toString(16).padStart(16, '0')}`;
  return { eventId, position, kind: 'post.created', payload: { postId: `post-${eventId}`, postText: text, author_user_id: authorId }, recipients: [...recipients], part: 0, parts: 1 };
}

/** Runs rabbitmqctl (the broker is local in tests); throws with its output on failure. */
export function rabbitmqctl(...args: string[]): void {
  const result = spawnSync('rabbitmqctl', args, { encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) throw new Error(`rabbitmqctl ${args.join(' ')} failed: ${result.stderr || result.stdout || result.error?.message}`);
}

/** Closes this process's RabbitMQ connections from the broker side, as a network fault would. */
export async function closeConnectionsNamed(connectionName: string): Promise<number> {
  const connections = await management<Array<{ name: string; client_properties?: { connection_name?: string } }>>('/connections');
  const targets = connections.filter((c) => c.client_properties?.connection_name === connectionName);
  for (const c of targets) {
    await fetch(`${managementUrl}/api/connections/${encodeURIComponent(c.name)}`, {
      method: 'DELETE',
      headers: { authorization: `Basic ${Buffer.from('guest:guest').toString('base64')}`, 'x-reason': 'test: simulated network fault' },
    });
  }
  return targets.length;
}
