// End to end: a post's way from `POST /post/create` to its author's friends' open
// websockets, with every process running as `make up` runs it (child processes, a
// fresh database, their own exchange). Figures, each beside a baseline from this run:
//   latency   post -> socket, per delivery (p50, p99), beside a bare RabbitMQ
//             publish -> consume round trip on the same broker;
//   fan-out   deliveries per second with the friends' sockets on two notifier
//             processes, beside the same with all of them on one.
// Default size runs in about a minute; BENCH_FULL=1 (or BENCH_FRIENDS / BENCH_POSTS).
import { loadavg } from 'node:os';
import { percentile, writeBenchReport } from '@herald/kit/bench';
import { call, openDevice, type Device } from '../src/testing/client.js';
import { startSystem, type HeraldSystem } from '../src/testing/system.js';
import { rabbitRoundTrips } from './rabbit-baseline.js';

const full = process.env.BENCH_FULL === '1';
const friendCount = Number(process.env.BENCH_FRIENDS ?? (full ? 1000 : 200));
const postCount = Number(process.env.BENCH_POSTS ?? (full ? 200 : 40));
const latencyPosts = full ? 50 : 15;
const inFlight = 8;

interface User { readonly id: string; readonly token: string }

/** Runs `work` over `items` with `limit` at a time, printing progress every tenth. */
async function pool<T, R>(what: string, items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  let done = 0;
  const step = Math.max(1, Math.floor(items.length / 10));
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) {
      const index = next++;
      out[index] = await work(items[index]!);
      if (++done % step === 0 || done === items.length) console.log(`  ${what}: ${done}/${items.length}`);
    }
  }));
  return out;
}

async function registerUser(system: HeraldSystem, n: number): Promise<User> {
  const password = 'bench-password';
  const profile = { first_name: `Bench${n}`, second_name: 'User', birthdate: '1990-01-01', biography: '', city: 'Bench', password };
  const registered = await call(system.apiUrl, 'POST', '/user/register', { body: profile });
  const id = (registered.body as { user_id: string }).user_id;
  const login = await call(system.apiUrl, 'POST', '/login', { body: { id, password } });
  return { id, token: (login.body as { token: string }).token };
}

async function createPost(system: HeraldSystem, author: User, text: string): Promise<string> {
  const answer = await call(system.apiUrl, 'POST', '/post/create', { token: author.token, body: { text } });
  if (answer.status !== 200) throw new Error(`POST /post/create answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return String(answer.body);
}

/** Resolves when every device holds `count` messages. */
async function allReceived(devices: readonly Device[], count: number): Promise<void> {
  await Promise.all(devices.map((d) => d.waitFor(count, `${count} posts on every device`)));
}

/** Per-delivery latency (ms) of posts made one at a time, and how much of it the command's own answer took. */
async function measureLatency(system: HeraldSystem, author: User, devices: Device[], arrivals: Map<string, number[]>) {
  const deliveries: number[] = [];
  const answers: number[] = [];
  for (let i = 0; i < latencyPosts; i += 1) {
    const before = devices[0]!.received.length;
    const sent = performance.now();
    const postId = await createPost(system, author, `latency probe ${i}`);
    answers.push(performance.now() - sent);
    await allReceived(devices, before + 1);
    for (const at of arrivals.get(postId) ?? []) deliveries.push(at - sent);
  }
  return { deliveries, answers };
}

/** Deliveries per second of `postCount` posts made `inFlight` at a time. */
async function measureFanOut(system: HeraldSystem, author: User, devices: Device[], label: string): Promise<number> {
  const before = devices[0]!.received.length;
  const started = performance.now();
  await pool(`${label}: posts`, Array.from({ length: postCount }, (_, i) => i), inFlight, (i) => createPost(system, author, `${label} ${i}`));
  await allReceived(devices, before + postCount);
  const seconds = (performance.now() - started) / 1000;
  return (postCount * devices.length) / seconds;
}

async function openDevices(port: number, users: readonly User[], arrivals: Map<string, number[]>): Promise<Device[]> {
  const devices = await pool('sockets', users, 16, (u) => openDevice(port, u.token));
  for (const device of devices) {
    device.onMessage((message) => {
      const list = arrivals.get(message.postId) ?? [];
      list.push(performance.now());
      arrivals.set(message.postId, list);
    });
  }
  return devices;
}

async function main(): Promise<void> {
  const loadAtStart = loadavg()[0] ?? Number.NaN;
  console.log(`end-to-end: ${friendCount} friends with a socket each, ${postCount} posts per fan-out run${full ? ' (full size)' : ''}`);
  const system = await startSystem('bench_e2e', { LOG_LEVEL: 'warn', SCRYPT_LOG2_COST: '10', MAX_SOCKETS_PER_USER: '10' });
  try {
    const second = await system.addNotifier();
    const author = await registerUser(system, 0);
    const friends = await pool('register and log in', Array.from({ length: friendCount }, (_, i) => i + 1), 8, (n) => registerUser(system, n));
    await pool('befriend the author', friends, 8, (f) => call(system.apiUrl, 'PUT', `/friend/set/${author.id}`, { token: f.token }));

    const arrivals = new Map<string, number[]>();
    const onOne = await openDevices(system.notifierPort, friends, arrivals);
    console.log('latency: one post at a time');
    const { deliveries: latencies, answers } = await measureLatency(system, author, onOne, arrivals);
    const oneNotifier = await measureFanOut(system, author, onOne, 'one notifier');
    await Promise.all(onOne.map((d) => d.close()));

    const half = Math.ceil(friends.length / 2);
    const split = [
      ...(await openDevices(system.notifierPort, friends.slice(0, half), arrivals)),
      ...(await openDevices(second.port, friends.slice(half), arrivals)),
    ];
    const twoNotifiers = await measureFanOut(system, author, split, 'two notifiers');
    await Promise.all(split.map((d) => d.close()));

    console.log('baseline: bare RabbitMQ publish -> consume round trips');
    const rabbit = await rabbitRoundTrips(latencyPosts * 20);
    const latency = {
      p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), deliveries: latencies.length,
      commandAnswerP50Ms: percentile(answers, 50), commandAnswerP99Ms: percentile(answers, 99),
    };
    writeBenchReport('end-to-end', {
      postToSocket: { ...latency, baselineP50Ms: percentile(rabbit, 50), baselineP99Ms: percentile(rabbit, 99) },
      fanOut: { twoNotifiersDeliveriesPerSec: twoNotifiers, oneNotifierDeliveriesPerSec: oneNotifier, friends: friendCount, posts: postCount },
      // Other work on the machine shows in every figure here; the load says how much there was.
      machine: { loadAverage1mAtStart: loadAtStart, loadAverage1mAtEnd: loadavg()[0] ?? Number.NaN },
    }, [
      { figure: 'postToSocket.p50Ms', value: latency.p50Ms, unit: 'ms', baseline: percentile(rabbit, 50) },
      { figure: 'postToSocket.p99Ms', value: latency.p99Ms, unit: 'ms', baseline: percentile(rabbit, 99) },
      { figure: 'fanOut.twoNotifiersDeliveriesPerSec', value: twoNotifiers, unit: 'deliveries/s', baseline: oneNotifier },
    ]);
  } finally {
    await system.stop();
  }
}

await main();
