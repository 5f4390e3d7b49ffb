import { inspect } from 'node:util';
import type { Broker } from './broker.js';
import type { OutboxMessage } from './rows.js';

/**
 * Publishes a batch back to back on the confirm channel and returns once it is written.
 * `confirmed` resolves when RabbitMQ confirmed every message of this batch (not of
 * others: each message carries the batch's callback), and rejects on a nack or when the
 * channel closes first (amqplib then fails every pending callback), so a batch is never
 * taken as confirmed unless all of it was.
 */
export async function publishBatch(
  broker: Broker, exchange: string, messages: readonly OutboxMessage[],
): Promise<{ confirmed: Promise<void> }> {
  const { channel } = broker;
  let onConfirm: (error: unknown) => void = () => undefined;
  const confirmed = new Promise<void>((resolve, reject) => {
    let waiting = messages.length;
    onConfirm = (error) => {
      if (error) reject(error instanceof Error ? error : new Error(`publish not confirmed: ${inspect(error)}`));
      else if ((waiting -= 1) === 0) resolve();
    };
    if (waiting === 0) resolve();
  });
  confirmed.catch(() => undefined); // observed by the caller; never an unhandled rejection
  for (const message of messages) {
    // The exchange fans out: the routing key is ignored, so it only names what this is.
    const accepted = channel.publish(exchange, 'post', Buffer.from(message.body), {
      persistent: true,
      contentType: 'application/json',
      messageId: message.messageId,
    }, onConfirm);
    if (!accepted) await writable(channel);
  }
  return { confirmed };
}

/** Resolves on 'drain', or on 'close' (the next publish then throws). */
function writable(channel: Broker['channel']): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      channel.off('drain', done);
      channel.off('close', done);
      resolve();
    };
    channel.once('drain', done);
    channel.once('close', done);
  });
}
