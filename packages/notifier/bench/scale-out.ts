// RabbitMQ scale-out (docs/scaling.md): the whole system as `make up` runs it, on extra
// RabbitMQ nodes started by infra/rabbitmq-nodes.sh.
// - shards1|2|3: the same offered load (posts/s from 50-friend posters to online
//   sockets on one notifier) through 1, 2 and 3 independent brokers (RABBITMQ_SHARDS):
//   deliveries per second achieved, and the brokers' CPU seconds per 1,000 deliveries,
//   read from the nodes' own OS processes (/proc/<pid>/stat, utime + stime).
// - baseline: raw amqplib on one of those nodes: confirmed publishes of post-sized bodies
//   (50 recipients each) to a fanout exchange with one consuming queue, and its broker CPU
//   per 1,000 notifications (a message carries 50) and per 1,000 messages.
// - failover: a 3-node cluster (RABBITMQ_URLS), the relay on node 1, the notifier on node
//   2; node 2 is SIGKILLed while posts flow; seconds from the kill until a post made after
//   it reaches the notifier's sockets (now consuming from another node).
// Default size is small; BENCH_FULL=1, or BENCH_SCALE_CLIENTS / _POSTERS / _RATE / _SECONDS.
import { setTimeout as sleep } from 'node:timers/promises';
import amqp from 'amqplib';
import { announceLoad, writeBenchReport, type BenchFigure, benchSize } from '@herald/kit/bench';
import { startRabbitNodes, uniqueName, type RabbitNodes } from '@herald/kit/testing';
import { cpuSeconds } from './cpu.js';
import { friendsPerPoster, populate } from './end-to-end.js';
import { postSteadily, ProbeLedger, startBenchSystem, type BenchEnv } from './system.js';

const size = {
  clients: benchSize('BENCH_SCALE_CLIENTS', 200, 5_000),
  posters: benchSize('BENCH_SCALE_POSTERS', 4, 100),
  rate: benchSize('BENCH_SCALE_RATE', 20, 200),
  seconds: benchSize('BENCH_SCALE_SECONDS', 5, 30),
};
const shardNames = ['s1', 's2', 's3'];
/** This measures the brokers: a socket opening while the machine is busy waits for its token check rather than failing. */
const patientAuth = { AUTH_DEADLINE_MS: '15000' };
async function brokerPids(nodes: RabbitNodes, count: number): Promise<number[]> {
  const pids: number[] = [];
  for (let i = 1; i <= count; i += 1) {
    const pid = await nodes.pid(i);
    if (pid === undefined) throw new Error(`node ${String(i)} has no OS process`);
    pids.push(pid);
  }
  return pids;
}

const brokerCpu = (pids: readonly number[]) => pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);

/** The offered load through `shards` independent brokers. */
async function shardRun(nodes: RabbitNodes, shards: number): Promise<Record<string, number>> {
  const RABBITMQ_SHARDS = shardNames.slice(0, shards).map((name, i) => `${name}=${nodes.url(i + 1)}`).join(';');
  const brokers: BenchEnv = { projector: { RABBITMQ_SHARDS }, notifier: { RABBITMQ_SHARDS, ...patientAuth } };
  const system = await startBenchSystem(`scale_out_${String(shards)}`, size.clients, { env: brokers });
  try {
    const { posters } = await populate(system, size.clients, size.posters);
    const ledger = new ProbeLedger(system.fleets);
    await ledger.poll();
    const pids = await brokerPids(nodes, shards);
    const cpuBefore = brokerCpu(pids);
    const started = performance.now();
    const outcome = await postSteadily(system.apiUrl, { rate: size.rate, seconds: size.seconds, firstSeq: 0, posterOf: (seq) => posters[seq % posters.length]! });
    const figures = await ledger.figures(outcome.posted, () => friendsPerPoster);
    const seconds = (performance.now() - started) / 1000;
    const cpu = brokerCpu(pids) - cpuBefore;
    console.log(`  ${String(shards)} shard(s): ${outcome.achievedPerSec.toFixed(0)}/${String(size.rate)} posts/s, ${String(figures.deliveries)}/${String(figures.expected)} delivered in ${seconds.toFixed(1)} s, lost ${String(figures.lost)}, duplicated ${String(figures.duplicated)}, broker CPU ${cpu.toFixed(2)} s`);
    return {
      offeredPostsPerSec: size.rate, achievedPostsPerSec: outcome.achievedPerSec,
      deliveriesPerSec: figures.deliveries / seconds, deliveries: figures.deliveries, expectedDeliveries: figures.expected,
      lost: figures.lost, duplicated: figures.duplicated, p50Ms: figures.p50Ms, p99Ms: figures.p99Ms,
      brokerCpuSeconds: cpu, brokerCpuSecondsPer1000: figures.deliveries > 0 ? (cpu / figures.deliveries) * 1000 : Number.NaN,
    };
  } finally {
    await system.stop();
  }
}

/** Raw amqplib on node 1: confirmed publishes of post-sized bodies to a fanout exchange, one queue consuming. */
async function rawBaseline(nodes: RabbitNodes, messages: number): Promise<Record<string, number>> {
  const [pid] = await brokerPids(nodes, 1);
  const connection = await amqp.connect(nodes.url(1));
  try {
    const channel = await connection.createConfirmChannel();
    const exchange = uniqueName('herald.bench.raw');
    await channel.assertExchange(exchange, 'fanout', { durable: false, autoDelete: true });
    const { queue } = await channel.assertQueue('', { exclusive: true });
    await channel.bindQueue(queue, exchange, '');
    let consumed = 0;
    const allConsumed = new Promise<void>((resolve) => {
      void channel.consume(queue, () => {
        if ((consumed += 1) === messages) resolve();
      }, { noAck: true });
    });
    const recipients = Array.from({ length: friendsPerPoster }, (_, i) => `01a2${String(i).padStart(4, '0')}-0000-7000-8000-000000000000`);
    const body = Buffer.from(JSON.stringify({ eventId: 'e', position: '0'.repeat(33), payload: { postId: 'p', postText: 'probe 0 0', author_user_id: 'a' }, recipients, part: 0, parts: 1 }));
    const cpuBefore = cpuSeconds(pid!);
    const started = performance.now();
    for (let i = 0; i < messages; i += 1) channel.publish(exchange, 'post', body, { persistent: true });
    await channel.waitForConfirms();
    await allConsumed;
    const seconds = (performance.now() - started) / 1000;
    const cpu = cpuSeconds(pid!) - cpuBefore;
    console.log(`  raw amqplib: ${String(messages)} messages in ${seconds.toFixed(2)} s, broker CPU ${cpu.toFixed(2)} s`);
    // Each message names 50 recipients, as a post's does: per 1,000 notifications is per 20 messages.
    return { messages, messagesPerSec: messages / seconds, brokerCpuSecondsPer1000Messages: (cpu / messages) * 1000, brokerCpuSecondsPer1000: (cpu / (messages * friendsPerPoster)) * 1000 };
  } finally {
    await connection.close();
  }
}

/** A cluster node killed under the notifier while posts flow: seconds until posts reach its sockets again. */
async function failoverRun(nodes: RabbitNodes): Promise<Record<string, number>> {
  const system = await startBenchSystem('scale_out_failover', size.clients, { env: {
    projector: { RABBITMQ_URLS: nodes.urls.join(',') },
    notifier: { RABBITMQ_URLS: [nodes.url(2), nodes.url(3), nodes.url(1)].join(','), ...patientAuth },
  } });
  try {
    const { posters } = await populate(system, size.clients, size.posters);
    const ledger = new ProbeLedger(system.fleets);
    const seconds = Math.max(size.seconds, 8);
    const victim = await nodes.pid(2);
    if (victim === undefined) throw new Error('node 2 has no OS process');
    const generatorStart = performance.now();
    const posting = postSteadily(system.apiUrl, { rate: size.rate, seconds, firstSeq: 1_000_000, posterOf: (seq) => posters[seq % posters.length]! });
    await sleep((seconds * 1000) / 3);
    const killedAt = performance.now();
    process.kill(victim, 'SIGKILL');
    const outcome = await posting;
    const figures = await ledger.figures(outcome.posted, () => friendsPerPoster);
    // Probe `seq` was due at generatorStart + i / rate; the first due after the kill to arrive ends the gap.
    let back = Number.POSITIVE_INFINITY;
    for (const seq of outcome.posted.keys()) {
      const due = generatorStart + ((seq - 1_000_000) * 1000) / size.rate;
      const arrival = ledger.firstArrivalMs(seq);
      if (due > killedAt && arrival !== undefined) back = Math.min(back, due + arrival);
    }
    const failover = (back - killedAt) / 1000;
    console.log(`  failover: posts reached the sockets again ${failover.toFixed(2)} s after node 2 was killed; ${String(figures.deliveries)}/${String(figures.expected)} delivered, lost ${String(figures.lost)}, duplicated ${String(figures.duplicated)}`);
    return { seconds: failover, offeredPostsPerSec: size.rate, achievedPostsPerSec: outcome.achievedPerSec, deliveries: figures.deliveries, expectedDeliveries: figures.expected, lost: figures.lost, duplicated: figures.duplicated };
  } finally {
    await system.stop();
  }
}

async function main(): Promise<void> {
  announceLoad('scale-out');
  console.log(`scale-out: ${String(size.clients)} online clients, ${String(size.posters)} posters x ${String(friendsPerPoster)} online friends, ${String(size.rate)} posts/s offered for ${String(size.seconds)} s per layout`);
  const results: Record<string, Record<string, number>> = {};
  const shards = await startRabbitNodes('shards', 'benchs', 3);
  try {
    results.baseline = await rawBaseline(shards, Math.round(size.rate * size.seconds * 10));
    for (const count of [1, 2, 3]) results[`shards${String(count)}`] = await shardRun(shards, count);
  } finally {
    await shards.down();
  }
  const cluster = await startRabbitNodes('cluster', 'benchc', 3);
  try {
    results.failover = await failoverRun(cluster);
  } finally {
    await cluster.down();
  }
  results.size = { ...size, friendsPerPoster };
  const summary: BenchFigure[] = [
    ...[1, 2, 3].flatMap((n): BenchFigure[] => [
      // Offered: each post is due at its poster's 50 online friends' sockets.
      { figure: `shards${String(n)}.deliveriesPerSec`, value: results[`shards${String(n)}`]?.deliveriesPerSec ?? Number.NaN, unit: 'deliveries/s', offered: size.rate * friendsPerPoster },
      { figure: `shards${String(n)}.brokerCpuSecondsPer1000`, value: results[`shards${String(n)}`]?.brokerCpuSecondsPer1000 ?? Number.NaN, unit: 'CPU s', baseline: results.baseline?.brokerCpuSecondsPer1000 },
    ]),
    { figure: 'failover.seconds', value: results.failover?.seconds ?? Number.NaN, unit: 's', target: 'from a cluster node killed to posts on the moved notifier\'s sockets' },
    { figure: 'failover.lost', value: results.failover?.lost ?? Number.NaN, unit: 'deliveries', target: '0', met: results.failover?.lost === 0 },
  ];
  writeBenchReport('scale-out', results, summary);
}

await main();
