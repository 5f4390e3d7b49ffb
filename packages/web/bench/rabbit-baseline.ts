// The floor under the end-to-end latency: one message published to a fresh exclusive
// queue on the same RabbitMQ and consumed back, one at a time, nothing else around it.
import amqp from 'amqplib';

const rabbitmqUrl = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/** Round-trip times (ms) of `count` publish -> consume cycles. */
export async function rabbitRoundTrips(count: number): Promise<number[]> {
  const connection = await amqp.connect(rabbitmqUrl);
  try {
    const channel = await connection.createChannel();
    const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true, durable: false });
    let arrived: (() => void) | undefined;
    await channel.consume(queue, () => arrived?.(), { noAck: true });
    const samples: number[] = [];
    for (let i = 0; i < count; i += 1) {
      const received = new Promise<void>((resolve) => { arrived = resolve; });
      const sent = performance.now();
      channel.sendToQueue(queue, Buffer.from(JSON.stringify({ postId: String(i), postText: 'baseline', author_user_id: 'x' })));
      await received;
      samples.push(performance.now() - sent);
    }
    await channel.close();
    return samples;
  } finally {
    await connection.close();
  }
}
