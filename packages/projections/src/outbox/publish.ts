import { inspect } from 'node:util';
import type { Broker } from './broker.js';
import type { OutboxMessage } from './rows.js';

/** What RabbitMQ answered for a batch: the messages it refused (basic.nack); the rest are confirmed. */
export interface BatchOutcome {
  readonly refused: readonly OutboxMessage[];
}

/** amqplib fails a nacked message's callback with this message, and one left when the channel closes with another. */
const nacked = 'message nacked';

/**
 * Publishes a batch back to back on the confirm channel and returns once it is written.
 * `confirmed` resolves when RabbitMQ answered every message of this batch (not of others:
 * each message carries its own callback), naming those it refused. It rejects when the
 * channel closes first (amqplib then fails every pending callback) or when an answer
 * takes longer than `confirmTimeoutMs`: a connection that stays open while its confirms
 * never come (a half-dead line, a wedged broker) must not hold the relay, and its lock, forever.
 */
export async function publishBatch(
  broker: Broker, exchange: string, messages: readonly OutboxMessage[], confirmTimeoutMs: number,
): Promise<{ confirmed: Promise<BatchOutcome> }> {
  const { channel } = broker;
  const refused: OutboxMessage[] = [];
  let onAnswer: (message: OutboxMessage, error: unknown) => void = () => undefined;
  let timer: NodeJS.Timeout | undefined;
  const confirmed = new Promise<BatchOutcome>((resolve, reject) => {
    let waiting = messages.length;
    const settle = (error?: Error) => {
      clearTimeout(timer);
      if (error) reject(error);
      else resolve({ refused });
    };
    onAnswer = (message, error) => {
      if (waiting === 0) return;
      if (error && !(error instanceof Error && error.message === nacked)) {
        waiting = 0;
        settle(error instanceof Error ? error : new Error(`publish not confirmed: ${inspect(error)}`));
        return;
      }
      if (error) refused.push(message);
      if ((waiting -= 1) === 0) settle();
    };
    if (waiting === 0) settle();
    else {
      timer = setTimeout(() => {
        waiting = 0;
        settle(new Error(`RabbitMQ confirmed ${messages.length - refused.length} of ${messages.length} messages only, within ${confirmTimeoutMs} ms`));
      }, confirmTimeoutMs);
      // The relay's own loop keeps the process alive; a confirm still awaited must not hold a stopped one.
      timer.unref();
    }
  });
  confirmed.catch(() => undefined); // observed by the caller; never an unhandled rejection
  // A broker that stops reading (a blocked connection) fails the batch at the timeout too, not only one that stops answering.
  const answered = confirmed.then(() => true, () => true);
  try {
    for (const message of messages) {
      // The exchange fans out: the routing key is ignored, so it only names what this is.
      const accepted = channel.publish(exchange, 'post', Buffer.from(message.body), {
        persistent: true,
        contentType: 'application/json',
        messageId: message.messageId,
      }, (error: unknown) => onAnswer(message, error));
      if (!accepted && await Promise.race([writable(channel), answered])) break;
    }
  } catch (error) {
    // A channel closed mid-batch: nothing more will answer this batch, so its timeout is not left running.
    clearTimeout(timer);
    throw error;
  }
  return { confirmed };
}

/** Resolves (false) on 'drain', or on 'close' (the next publish then throws). */
function writable(channel: Broker['channel']): Promise<false> {
  return new Promise((resolve) => {
    const done = () => {
      channel.off('drain', done);
      channel.off('close', done);
      resolve(false);
    };
    channel.once('drain', done);
    channel.once('close', done);
  });
}
