// Notifier benchmark, each figure beside a bare baseline measured in the same run:
//   idle     RSS growth per idle connection in one notifier process, beside a bare ws server;
//   fanout   deliveries per second from RabbitMQ to sockets, beside raw amqplib -> bare ws;
//   e2e      HTTP post create -> arrival at the friends' sockets (command API, projector,
//            notifier as child processes), p50 and p99 at a steady post rate.
// Default size runs in a few minutes; BENCH_FULL=1 runs the sizes.
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from 'amqplib';
import { fileURLToPath } from 'node:url';
import { uniqueName } from '@herald/kit/testing';
import { writeBenchReport, type BenchFigure } from '@herald/kit/bench';
import { startTestAuthServer, type TestAuthServer } from '../src/testing/authServer.js';
import { spawnNotifier, spawnReady, type HeraldProcess } from '../src/testing/notifiers.js';
import { rabbitUrl } from '../src/testing/rabbit.js';
import { openFileLimit, rssOf, startFleets } from './fleets.js';
import { runEndToEnd } from './end-to-end.js';

const full = process.env.BENCH_FULL === '1';
const idleConnections = Number(process.env.BENCH_IDLE_CONNECTIONS ?? (full ? openFileLimit() - 500 : 5_000));
const fanoutUsers = Number(process.env.BENCH_FANOUT_USERS ?? (full ? 1_000 : 500));
const fanoutSocketsPerUser = 10;
const fanoutMessages = Number(process.env.BENCH_FANOUT_MESSAGES ?? (full ? 100_000 : 20_000));
/** Which parts to run (all by default), e.g. BENCH_PARTS=idle,fanout. */
const parts = new Set((process.env.BENCH_PARTS ?? 'idle,fanout,e2e').split(','));
const bareServerPath = fileURLToPath(new URL('./bare-server.ts', import.meta.url));
const heapProbePath = fileURLToPath(new URL('./heap-probe.ts', import.meta.url));

type Server = 'notifier' | 'bare';
type Results = Record<string, Record<string, number>>;

/** The notifier, or the bare ws server (fed by RabbitMQ only when given an exchange). */
async function startServer(kind: Server, auth: TestAuthServer, exchange: string | undefined): Promise<HeraldProcess> {
  if (kind === 'notifier') return spawnNotifier({ AUTH_GRPC_ADDRESS: auth.address, FEED_EXCHANGE: exchange ?? uniqueName('herald.feed.bench') });
  return spawnReady('bare ws server', bareServerPath, exchange ? { FEED_EXCHANGE: exchange } : {});
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
  const server = await startServer(kind, auth, undefined);
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

async function deliveriesPerSec(kind: Server, auth: TestAuthServer): Promise<number> {
  const exchange = uniqueName('herald.feed.bench');
  const server = await startServer(kind, auth, exchange);
  const sockets = fanoutUsers * fanoutSocketsPerUser;
  const fleets = startFleets(sockets);
  const model = await connect(rabbitUrl);
  try {
    const channel = await model.createChannel();
    await channel.assertExchange(exchange, 'direct', { durable: true });
    const opened = await fleets.open(`${server.url}/post/feed/posted`, tokensFor(auth, kind, fanoutUsers, fanoutSocketsPerUser));
    if (opened.failed > 0) throw new Error(`${opened.failed} fan-out connections failed: ${opened.firstError}`);
    await sleep(1_000); // the bare server binds without waiting; give it the same head start
    const expected = fanoutMessages * fanoutSocketsPerUser;
    const started = performance.now();
    for (let i = 0; i < fanoutMessages; i += 1) {
      const user = `u${i % fanoutUsers}`;
      const body = { eventId: `bench-${i}`, position: String(i), payload: { postId: `p${i}`, postText: `fan-out message ${i} with some text in it`, author_user_id: 'author' } };
      if (!channel.publish(exchange, `user.${user}`, Buffer.from(JSON.stringify(body)), { contentType: 'application/json' })) await new Promise((r) => channel.once('drain', r));
    }
    let received = 0;
    const deadline = Date.now() + 120_000;
    while ((received = await fleets.received()) < expected && Date.now() < deadline) await sleep(20);
    const seconds = (performance.now() - started) / 1000;
    const rate = received / seconds;
    console.log(`  fanout ${kind}: ${received}/${expected} deliveries in ${seconds.toFixed(2)} s = ${Math.round(rate)}/s`);
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
  console.log(`idle: ${idleConnections} connections (open-file limit ${openFileLimit()})`);
  const baselineBytes = await idleBytesPerConnection('bare', auth);
  const bytes = await idleBytesPerConnection('notifier', auth);
  const baselineHeap = await retainedHeapPerConnection('bare');
  const heap = await retainedHeapPerConnection('notifier');
  results.idle = {
    connections: idleConnections, bytesPerConnection: Math.round(bytes), baselineBytesPerConnection: Math.round(baselineBytes),
    retainedHeapBytesPerConnection: Math.round(heap), baselineRetainedHeapBytesPerConnection: Math.round(baselineHeap),
  };
  summary.push({ figure: 'idle.bytesPerConnection', value: bytes, unit: 'B', baseline: baselineBytes, target: '<= 10 KB', met: bytes <= 10_240 });
  summary.push({ figure: 'idle.retainedHeapBytesPerConnection', value: heap, unit: 'B', baseline: baselineHeap });
}

async function fanoutPart(auth: TestAuthServer, results: Results, summary: BenchFigure[]): Promise<void> {
  console.log(`fanout: ${fanoutUsers} users x ${fanoutSocketsPerUser} sockets, ${fanoutMessages} messages`);
  const baselineRate = await deliveriesPerSec('bare', auth);
  const rate = await deliveriesPerSec('notifier', auth);
  results.fanout = { users: fanoutUsers, socketsPerUser: fanoutSocketsPerUser, messages: fanoutMessages, deliveriesPerSec: Math.round(rate), baselineDeliveriesPerSec: Math.round(baselineRate) };
  summary.push({ figure: 'fanout.deliveriesPerSec', value: rate, unit: '/s', baseline: baselineRate, target: '>= 100,000 /s', met: rate >= 100_000 });
}

async function main(): Promise<void> {
  console.log(`notifier benchmark (${full ? 'full' : 'default'} size; BENCH_FULL=1 for the issue's sizes)`);
  const auth = await startTestAuthServer();
  const results: Results = {};
  const summary: BenchFigure[] = [];
  try {
    if (parts.has('idle')) await idlePart(auth, results, summary);
    if (parts.has('fanout')) await fanoutPart(auth, results, summary);
  } finally {
    await auth.stop();
  }
  if (parts.has('e2e')) {
    const e2e = await runEndToEnd(full);
    results.e2e = e2e.results;
    summary.push(...e2e.summary);
  }
  results.machine = { loadAverage1m: loadavg()[0] ?? 0 };
  writeBenchReport('notifier', results, summary);
}

await main();
