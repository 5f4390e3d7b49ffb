// Notifier benchmark, each figure beside a bare baseline measured in the same run:
//   idle       RSS growth per idle connection in one notifier process, beside a bare ws server;
//   fanout     socket deliveries per second of per-post messages (50 recipients, 2 sockets
//              each) from RabbitMQ through one notifier, beside a bare ws server sending the
//              same frames to the same sockets with no broker;
//   e2e        HTTP post create -> arrival at the friends' sockets (command API, projector,
//              notifier as child processes), latency from when each post was due, at a
//              steady offered rate, then a stepped run for the knee;
//   celebrity  one author with 20,000 friends posting once a second during a background run.
// Default size runs in a few minutes; BENCH_FULL=1 runs the sizes.
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from 'amqplib';
import { fileURLToPath } from 'node:url';
import { uniqueName } from '@herald/kit/testing';
import { announceLoad, withEarlierParts, writeBenchReport, type BenchFigure, benchSize, fullSize } from '@herald/kit/bench';
import { postsExchangeType } from '@herald/contracts';
import { startTestAuthServer, type TestAuthServer } from '../src/testing/auth-server.js';
import { spawnNotifier, spawnReady, type HeraldProcess } from '../src/testing/notifiers.js';
import { rabbitUrl } from '../src/testing/rabbit.js';
import { openFileLimit, rssOf, startFleets } from './fleets.js';
import { runCelebrity } from './celebrity.js';
import { runEndToEnd } from './end-to-end.js';
import { benchNotification } from './frames.js';

const idleConnections = benchSize('BENCH_IDLE_CONNECTIONS', 5_000, openFileLimit() - 500);
const fanoutUsers = benchSize('BENCH_FANOUT_USERS', 1_000, 2_000);
const fanoutSocketsPerUser = 2;
const fanoutRecipients = 50;
const fanoutPosts = benchSize('BENCH_FANOUT_POSTS', 5_000, 20_000);
/** Which parts to run (all by default), e.g. BENCH_PARTS=idle,fanout. */
const parts = new Set((process.env.BENCH_PARTS ?? 'idle,fanout,e2e,celebrity').split(','));
const bareServerPath = fileURLToPath(new URL('./bare-server.ts', import.meta.url));
const heapProbePath = fileURLToPath(new URL('./heap-probe.ts', import.meta.url));

type Server = 'notifier' | 'bare';
type Results = Record<string, Record<string, number>>;

/** The notifier (on its own exchange), or the bare ws server. */
async function startServer(kind: Server, auth: TestAuthServer, exchange = uniqueName('herald.posts.bench')): Promise<HeraldProcess> {
  if (kind === 'notifier') return spawnNotifier({ AUTH_GRPC_ADDRESS: auth.address, FEED_EXCHANGE: exchange });
  return spawnReady('bare ws server', bareServerPath, {});
}

/** Tokens for `users` users with `perUser` sockets each; the bare server takes the token as the user. */
function tokensFor(auth: TestAuthServer, kind: Server, users: number, perUser: number): string[] {
  const tokens: string[] = [];
  for (let u = 0; u < users; u += 1) {
    const token = kind === 'bare' ? `u${u}` : `t${u}`;
    auth.tokens.set(token, `u${u}`);
    for (let d = 0; d < perUser; d += 1) tokens.push(token);
  }
  return tokens;
}

async function idleBytesPerConnection(kind: Server, auth: TestAuthServer): Promise<number> {
  const server = await startServer(kind, auth);
  const fleets = startFleets(idleConnections);
  try {
    await sleep(2_000);
    const before = rssOf(server.child.pid!);
    const started = performance.now();
    const opened = await fleets.open(`${server.url}/post/feed/posted`, tokensFor(auth, kind, idleConnections, 1));
    console.log(`  ${kind}: ${opened.open} connections opened in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    if (opened.failed > 0) console.log(`  ${kind}: ${opened.failed} connections failed (${opened.firstError})`);
    // Let the connection burst's garbage go (V8's memory reducer runs some seconds after a burst).
    await sleep(15_000);
    const after = rssOf(server.child.pid!);
    const perConnection = (after - before) / opened.open;
    console.log(`  idle ${kind}: ${opened.open} connections, RSS ${(before / 2 ** 20).toFixed(0)} -> ${(after / 2 ** 20).toFixed(0)} MiB, ${perConnection.toFixed(0)} B each`);
    return perConnection;
  } finally {
    await fleets.close();
    await server.stop();
  }
}

/**
 * Socket deliveries per second: `fanoutPosts` posts, each for 50 users with 2 sockets
 * each, from the first publish (or the bare server's first send) until the clients hold
 * every frame. The clients run in two processes of their own.
 */
async function deliveriesPerSec(kind: Server, auth: TestAuthServer): Promise<number> {
  const exchange = uniqueName('herald.posts.bench');
  const server = await startServer(kind, auth, exchange);
  const fleets = startFleets(fanoutUsers * fanoutSocketsPerUser, 2);
  const model = await connect(rabbitUrl);
  try {
    const channel = await model.createChannel();
    await channel.assertExchange(exchange, postsExchangeType, { durable: true });
    const opened = await fleets.open(`${server.url}/post/feed/posted`, tokensFor(auth, kind, fanoutUsers, fanoutSocketsPerUser));
    if (opened.failed > 0) throw new Error(`${opened.failed} fan-out connections failed: ${opened.firstError}`);
    await sleep(1_000);
    const expected = fanoutPosts * fanoutRecipients * fanoutSocketsPerUser;
    const started = performance.now();
    if (kind === 'bare') {
      const answer = await fetch(`http://127.0.0.1:${server.port}/blast?posts=${fanoutPosts}&fanout=${fanoutRecipients}&users=${fanoutUsers}`, { method: 'POST' });
      if (answer.status !== 202) throw new Error(`the bare server answered ${answer.status} to /blast`);
    } else {
      for (let i = 0; i < fanoutPosts; i += 1) {
        const body = Buffer.from(JSON.stringify(benchNotification(i, fanoutRecipients, fanoutUsers)));
        if (!channel.publish(exchange, 'post', body, { contentType: 'application/json', messageId: `bench-${i}:0` })) await new Promise((r) => channel.once('drain', r));
      }
    }
    let received = 0;
    const deadline = Date.now() + 180_000;
    while ((received = await fleets.received()) < expected && Date.now() < deadline) await sleep(20);
    const seconds = (performance.now() - started) / 1000;
    const rate = received / seconds;
    console.log(`  fanout ${kind}: ${received}/${expected} deliveries in ${seconds.toFixed(2)} s = ${Math.round(rate)}/s`);
    if (received < expected) throw new Error(`fanout ${kind}: ${expected - received} deliveries never arrived`);
    await channel.deleteExchange(exchange);
    return rate;
  } finally {
    await model.close();
    await fleets.close();
    await server.stop();
  }
}

/** Retained heap per idle connection after full GCs (bench/heap-probe.ts in a process of its own). */
function retainedHeapPerConnection(kind: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', heapProbePath, kind, String(idleConnections)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      const line = output.split('\n').find((l) => l.startsWith('{"kind"'));
      if (code !== 0 || !line) return reject(new Error(`heap probe (${kind}) exited with ${code}: ${output}`));
      const { heapBytesPerConnection } = JSON.parse(line) as { heapBytesPerConnection: number };
      console.log(`  retained heap ${kind}: ${Math.round(heapBytesPerConnection)} B per connection`);
      resolve(heapBytesPerConnection);
    });
  });
}

async function idlePart(auth: TestAuthServer, results: Results, summary: BenchFigure[]): Promise<void> {
  const loadAverage1mBefore = loadavg()[0] ?? 0;
  console.log(`idle: ${idleConnections} connections (open-file limit ${openFileLimit()})`);
  const baselineBytes = await idleBytesPerConnection('bare', auth);
  const bytes = await idleBytesPerConnection('notifier', auth);
  const baselineHeap = await retainedHeapPerConnection('bare');
  const heap = await retainedHeapPerConnection('notifier');
  results.idle = {
    connections: idleConnections, bytesPerConnection: Math.round(bytes), baselineBytesPerConnection: Math.round(baselineBytes),
    retainedHeapBytesPerConnection: Math.round(heap), baselineRetainedHeapBytesPerConnection: Math.round(baselineHeap), loadAverage1mBefore,
  };
  summary.push({ figure: 'idle.bytesPerConnection', value: bytes, unit: 'B', baseline: baselineBytes, target: '<= 10 KB', met: bytes <= 10_240 });
  summary.push({ figure: 'idle.retainedHeapBytesPerConnection', value: heap, unit: 'B', baseline: baselineHeap });
}

async function fanoutPart(auth: TestAuthServer, results: Results, summary: BenchFigure[]): Promise<void> {
  const loadAverage1mBefore = loadavg()[0] ?? 0;
  console.log(`fanout: ${fanoutPosts} posts x ${fanoutRecipients} recipients x ${fanoutSocketsPerUser} sockets, over ${fanoutUsers} users`);
  const baselineRate = await deliveriesPerSec('bare', auth);
  const rate = await deliveriesPerSec('notifier', auth);
  results.fanout = {
    users: fanoutUsers, socketsPerUser: fanoutSocketsPerUser, recipientsPerPost: fanoutRecipients, posts: fanoutPosts,
    deliveriesPerSec: Math.round(rate), baselineDeliveriesPerSec: Math.round(baselineRate), loadAverage1mBefore,
  };
  summary.push({ figure: 'fanout.deliveriesPerSec', value: rate, unit: 'deliveries/s', offered: `closed loop: ${fanoutPosts} posts published at once`, baseline: baselineRate, target: '>= 100,000 /s and >= 0.7x baseline', met: rate >= 100_000 && rate >= 0.7 * baselineRate });
}

async function main(): Promise<void> {
  console.log(`notifier benchmark (${fullSize ? 'full' : 'default'} size; BENCH_FULL=1 for the issue's sizes)`);
  announceLoad('notifier');
  const auth = await startTestAuthServer();
  const results: Results = {};
  const summary: BenchFigure[] = [];
  try {
    if (parts.has('idle')) await idlePart(auth, results, summary);
    if (parts.has('fanout')) await fanoutPart(auth, results, summary);
  } finally {
    await auth.stop();
  }
  for (const [part, run] of [['e2e', runEndToEnd], ['celebrity', runCelebrity]] as const) {
    if (!parts.has(part)) continue;
    const loadAverage1mBefore = loadavg()[0] ?? 0;
    const figures = await run();
    for (const [key, values] of Object.entries(figures.results)) results[key] = { ...values, loadAverage1mBefore };
    summary.push(...figures.summary);
  }
  // A run of some parts keeps the others' figures from the last report.
  const merged = process.env.BENCH_PARTS ? withEarlierParts('notifier', results, summary) : { results, summary };
  writeBenchReport('notifier', merged.results, merged.summary);
}

await main();
