// How to route a per-post message to the notifiers holding its recipients: four ways,
// side by side on the local broker, raw amqplib on both ends (no Herald code), each with
// 2 consumer queues ("notifiers") holding half of 10,000 users each, and posts of 50
// recipients. For each: posts per second delivered to every queue that needs them, and
// the broker's own CPU seconds per 1,000 posts (read from its OS process).
//   ccUser         direct exchange; each queue binds user.<id> for its users; a post is
//                  routed by its 50 recipients' keys (routing key + CC header)
//   shardKey       direct exchange; users hashed into 64 shards; each queue binds the shards
//                  of its users; a post carries its recipients' distinct shard keys
//   notifierKey    direct exchange; each queue binds notifier.<n>; the publisher knows which
//                  notifier holds whom and names those notifiers
//   everyNotifier  fanout exchange; every queue bound; a post is one routing step
// Writes bench/results/routing.json; docs/architecture.md cites it.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, type Channel } from 'amqplib';
import { announceLoad, writeBenchReport, type BenchFigure } from '@herald/kit/bench';
import { seededRandom } from '@herald/kit';
import { uniqueName } from '@herald/kit/testing';
import { rabbitUrl } from '../src/testing/rabbit.js';

const users = 10_000;
const notifiers = 2;
const recipientsPerPost = 50;
const shards = 64;
const posts = Number(process.env.BENCH_ROUTING_POSTS ?? 20_000);

type Strategy = 'ccUser' | 'shardKey' | 'notifierKey' | 'everyNotifier';
const strategies: readonly Strategy[] = ['everyNotifier', 'notifierKey', 'shardKey', 'ccUser'];

const userIds = Array.from({ length: users }, (_, i) => `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`);
const random = seededRandom(42);
const holder = userIds.map(() => Math.floor(random() * notifiers));
const shardOf = (user: string) => createHash('md5').update(user).digest().readUInt32BE(0) % shards;
const postRecipients = Array.from({ length: posts }, () => Array.from({ length: recipientsPerPost }, () => Math.floor(random() * users)));

/** The broker's CPU time so far (user + system), in seconds. */
function brokerCpuSeconds(): number {
  const pid = execFileSync('pgrep', ['-o', '-f', 'beam.smp'], { encoding: 'utf8' }).trim();
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100 Hz)
}

function keysFor(strategy: Strategy, recipients: readonly number[]): string[] {
  switch (strategy) {
    case 'ccUser': return recipients.map((r) => `user.${userIds[r]}`);
    case 'shardKey': return [...new Set(recipients.map((r) => `shard.${shardOf(userIds[r]!)}`))];
    case 'notifierKey': return [...new Set(recipients.map((r) => `notifier.${holder[r]}`))];
    case 'everyNotifier': return ['post'];
  }
}

function bindingsFor(strategy: Strategy, n: number): string[] {
  const mine = userIds.filter((_, i) => holder[i] === n);
  switch (strategy) {
    case 'ccUser': return mine.map((u) => `user.${u}`);
    case 'shardKey': return [...new Set(mine.map((u) => `shard.${shardOf(u)}`))];
    case 'notifierKey': return [`notifier.${n}`];
    case 'everyNotifier': return [''];
  }
}

interface RoutingFigures extends Record<string, number> {
  postsPerSec: number;
  brokerCpuSecondsPer1000Posts: number;
}

async function measure(strategy: Strategy): Promise<RoutingFigures> {
  const exchange = uniqueName(`herald.routing.${strategy}`);
  const model = await connect(rabbitUrl);
  const setup = await model.createChannel();
  await setup.assertExchange(exchange, strategy === 'everyNotifier' ? 'fanout' : 'direct', { durable: false, autoDelete: true });
  const received = Array.from({ length: notifiers }, () => 0);
  const expected = Array.from({ length: notifiers }, (_, n) => postRecipients.filter((r) => strategy === 'everyNotifier' || r.some((u) => holder[u] === n)).length);
  const consumers: Channel[] = [];
  for (let n = 0; n < notifiers; n += 1) {
    const channel = await model.createChannel();
    const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
    for (const key of bindingsFor(strategy, n)) await channel.bindQueue(queue, exchange, key);
    await channel.consume(queue, () => { received[n]! += 1; }, { noAck: true });
    consumers.push(channel);
  }
  const publisher = await model.createChannel();
  await sleep(500);
  const cpuBefore = brokerCpuSeconds();
  const started = performance.now();
  for (let i = 0; i < posts; i += 1) {
    const recipients = postRecipients[i]!;
    const [first, ...cc] = keysFor(strategy, recipients);
    const body = Buffer.from(JSON.stringify({ eventId: `e${i}`, position: String(i), payload: { postId: `p${i}`, postText: 'a routing bench post', author_user_id: 'a' }, recipients: recipients.map((r) => userIds[r]), part: 0, parts: 1 }));
    if (!publisher.publish(exchange, first!, body, { CC: cc.length > 0 ? cc : undefined })) await new Promise((r) => publisher.once('drain', r));
  }
  const deadline = Date.now() + 300_000;
  while (received.some((count, n) => count < expected[n]!) && Date.now() < deadline) await sleep(10);
  const seconds = (performance.now() - started) / 1000;
  const cpu = brokerCpuSeconds() - cpuBefore;
  await model.close();
  const delivered = received.reduce((a, b) => a + b, 0);
  const figures = {
    posts, postsPerSec: posts / seconds, recipientsPerSec: (posts * recipientsPerPost) / seconds, queueDeliveries: delivered,
    keysPerPost: postRecipients.reduce((sum, r) => sum + keysFor(strategy, r).length, 0) / posts,
    brokerCpuSecondsPer1000Posts: (cpu / posts) * 1000,
  };
  console.log(`  ${strategy}: ${figures.postsPerSec.toFixed(0)} posts/s (${figures.keysPerPost.toFixed(1)} keys a post), broker ${figures.brokerCpuSecondsPer1000Posts.toFixed(3)} CPU s per 1,000 posts`);
  return figures;
}

announceLoad('routing');
console.log(`routing: ${posts} posts x ${recipientsPerPost} recipients, ${notifiers} queues holding ${users} users between them`);
const results: Record<string, Record<string, number>> = {};
const summary: BenchFigure[] = [];
for (const strategy of strategies) {
  const figures = await measure(strategy);
  results[strategy] = figures;
  summary.push({ figure: `${strategy}.postsPerSec`, value: figures.postsPerSec, unit: 'posts/s', offered: `closed loop: ${posts} posts published as fast as the channel drains` });
  summary.push({ figure: `${strategy}.brokerCpuSecondsPer1000Posts`, value: figures.brokerCpuSecondsPer1000Posts, unit: 'CPU s' });
}
writeBenchReport('routing', results, summary);
process.exit(0);
