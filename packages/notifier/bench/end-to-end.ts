// End to end: `POST /post/create` -> event store -> projector (feeds, outbox) -> RabbitMQ
// -> notifier -> the author's online friends' sockets, every service a child process as
// `make up` runs it. Posts are made at a steady rate (open loop); each probe carries its
// send time, so every delivery gives one latency.
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchFigure } from '@herald/kit/bench';
import { percentile } from '@herald/kit/bench';
import { createTestDatabase, uniqueName } from '@herald/kit/testing';
import { liftedClientBounds } from '@herald/command-api/testing';
import { spawnNotifier, spawnProjector, spawnReady, type HeraldProcess } from '../src/testing/notifiers.js';
import { connect } from 'amqplib';
import { rabbitUrl } from '../src/testing/rabbit.js';
import { startFleets } from './fleets.js';

const commandApiMain = fileURLToPath(new URL('../../command-api/src/main.ts', import.meta.url));
const password = 'bench-password';
const friendsPerPoster = 50;

interface Size {
  readonly clients: number;
  readonly posters: number;
  readonly postsPerSec: number;
  readonly seconds: number;
}

interface User {
  readonly id: string;
  readonly token: string;
}

function sizeOf(full: boolean): Size {
  const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
  return {
    clients: env('BENCH_E2E_CLIENTS', full ? 10_000 : 2_000),
    posters: env('BENCH_E2E_POSTERS', full ? 200 : 40),
    postsPerSec: env('BENCH_E2E_POSTS_PER_SEC', full ? 1_000 : 100),
    seconds: env('BENCH_E2E_SECONDS', full ? 20 : 10),
  };
}

async function http(apiUrl: string, method: string, path: string, token?: string, body?: unknown): Promise<unknown> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${apiUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** Runs `work` over `count` indexes, `limit` at a time, printing progress every tenth. */
async function inPool<R>(what: string, count: number, limit: number, work: (i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(count);
  let next = 0;
  let done = 0;
  const step = Math.max(1, Math.floor(count / 10));
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < count) {
      const i = next++;
      out[i] = await work(i);
      if (++done % step === 0 || done === count) console.log(`  ${what}: ${done}/${count}`);
    }
  }));
  return out;
}

async function register(apiUrl: string, n: number): Promise<User> {
  const profile = { first_name: `Bench${n}`, second_name: 'Reader', birthdate: '1990-01-01', biography: '', city: 'Bench', password };
  const { user_id: id } = (await http(apiUrl, 'POST', '/user/register', undefined, profile)) as { user_id: string };
  const { token } = (await http(apiUrl, 'POST', '/login', undefined, { id, password })) as { token: string };
  return { id, token };
}

/** Makes posts at a steady rate for the given time; returns the HTTP answer times (ms). */
async function postSteadily(apiUrl: string, posters: readonly User[], size: Size): Promise<{ answers: number[]; posts: number; seconds: number }> {
  const total = size.postsPerSec * size.seconds;
  const answers: number[] = [];
  const inFlight = new Set<Promise<void>>();
  const started = performance.now();
  for (let i = 0; i < total; i += 1) {
    const due = started + (i * 1000) / size.postsPerSec;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    while (inFlight.size >= 512) await Promise.race(inFlight);
    const sentAt = performance.timeOrigin + performance.now();
    const call = http(apiUrl, 'POST', '/post/create', posters[i % posters.length]!.token, { text: `e2e ${sentAt}` })
      .then(() => void answers.push(performance.timeOrigin + performance.now() - sentAt))
      .finally(() => inFlight.delete(call));
    inFlight.add(call);
    if ((i + 1) % (size.postsPerSec * 2) === 0) console.log(`  posted ${i + 1}/${total}`);
  }
  await Promise.all(inFlight);
  return { answers, posts: total, seconds: (performance.now() - started) / 1000 };
}

/**
 * The same probes seen at RabbitMQ, for a sample of readers: the part of the way before
 * the notifier (command, event store, projector, outbox relay, broker).
 */
async function brokerProbe(exchange: string, readerIds: readonly string[]) {
  const model = await connect(rabbitUrl);
  const channel = await model.createChannel();
  const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
  for (const id of readerIds) await channel.bindQueue(queue, exchange, `user.${id}`);
  const latencies: number[] = [];
  await channel.consume(queue, (message) => {
    if (!message) return;
    const text = String(message.content);
    const at = text.indexOf('"postText":"e2e ');
    if (at >= 0) latencies.push(performance.timeOrigin + performance.now() - Number.parseFloat(text.slice(at + 16)));
  }, { noAck: true });
  return { latencies, close: () => model.close() };
}

export async function runEndToEnd(full: boolean): Promise<{ results: Record<string, number>; summary: BenchFigure[] }> {
  const size = sizeOf(full);
  console.log(`e2e: ${size.clients} online clients, ${size.posters} posters x ${friendsPerPoster} online friends, ${size.postsPerSec} posts/s for ${size.seconds} s`);
  const database = await createTestDatabase('notifier_bench');
  const exchange = uniqueName('herald.feed.bench');
  const processes: HeraldProcess[] = [];
  const fleets = startFleets(size.clients);
  try {
    const api = await spawnReady('command-api', commandApiMain, {
      DATABASE_URL: database.url, HTTP_HOST: '127.0.0.1', HTTP_PORT: '0', GRPC_PORT: '0',
      REDIS_KEY_PREFIX: `${uniqueName('herald-bench')}:`, SCRYPT_LOG2_COST: '10',
      // Every client of the benchmark is 127.0.0.1.
      ...liftedClientBounds,
    });
    processes.push(api);
    const apiUrl = `http://127.0.0.1:${api.port}`;
    processes.push(await spawnProjector({ DATABASE_URL: database.url, FEED_EXCHANGE: exchange }));
    const notifier = await spawnNotifier({ AUTH_GRPC_ADDRESS: `127.0.0.1:${String(api.ready.grpcPort)}`, FEED_EXCHANGE: exchange });
    processes.push(notifier);

    const readers = await inPool('register readers', size.clients, 32, (i) => register(apiUrl, i));
    const posters = await inPool('register posters', size.posters, 32, (i) => register(apiUrl, size.clients + i));
    await inPool('friendships', size.posters * friendsPerPoster, 32, (i) => {
      const poster = posters[Math.floor(i / friendsPerPoster)]!;
      const reader = readers[i % readers.length]!;
      return http(apiUrl, 'PUT', `/friend/set/${reader.id}`, poster.token);
    });
    const opened = await fleets.open(`${notifier.url}/post/feed/posted`, readers.map((r) => r.token));
    console.log(`  ${opened.open} sockets open${opened.failed ? `, ${opened.failed} failed (${opened.firstError})` : ''}`);

    // The first poster's friends, watched at the broker as well.
    const probe = await brokerProbe(exchange, readers.slice(0, friendsPerPoster).map((r) => r.id));
    // One warm-up round, so the friendships are projected and every path is hot.
    await inPool('warm-up posts', posters.length, 16, (i) => http(apiUrl, 'POST', '/post/create', posters[i]!.token, { text: 'warm-up' }));
    await sleep(3_000);
    const before = await fleets.received();
    const { answers, posts, seconds } = await postSteadily(apiUrl, posters, size);
    const expected = before + posts * friendsPerPoster;
    let received = before;
    const deadline = Date.now() + 60_000;
    while ((received = await fleets.received()) < expected && Date.now() < deadline) await sleep(100);
    const latencies = await fleets.latencies();
    await probe.close();
    const atBroker = probe.latencies;
    console.log(`  ${latencies.length}/${posts * friendsPerPoster} probe deliveries arrived`);
    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    return {
      results: {
        clients: size.clients, posters: size.posters, friendsPerPoster, targetPostsPerSec: size.postsPerSec,
        postsPerSec: Math.round(posts / seconds), deliveries: latencies.length, expectedDeliveries: posts * friendsPerPoster,
        p50Ms: p50, p99Ms: p99, brokerP50Ms: percentile(atBroker, 50), brokerP99Ms: percentile(atBroker, 99), commandAnswerP50Ms: percentile(answers, 50), commandAnswerP99Ms: percentile(answers, 99),
      },
      summary: [
        { figure: 'e2e.commandAnswerP99Ms', value: percentile(answers, 99), unit: 'ms' },
        // Baseline: the same probes at the broker, i.e. everything before the notifier.
        { figure: 'e2e.p50Ms', value: p50, unit: 'ms', baseline: percentile(atBroker, 50) },
        { figure: 'e2e.p99Ms', value: p99, unit: 'ms', baseline: percentile(atBroker, 99), target: `<= 100 ms at 1,000 posts/s x 50 (ran ${size.postsPerSec}/s)`, met: p99 <= 100 && size.postsPerSec >= 1_000 && latencies.length === posts * friendsPerPoster },
      ],
    };
  } finally {
    await fleets.close();
    for (const p of processes.reverse()) await p.stop();
    await database.drop();
  }
}
