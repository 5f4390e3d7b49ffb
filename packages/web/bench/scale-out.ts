// Notifier scale-out through the whole system: posts from `POST /post/create` to the
// author's friends' sockets, with every process running as `make up` runs it (child
// processes, a fresh database, their own exchange), the friends' sockets all on one
// notifier process, or split over two. The two layouts alternate round by round (the
// machine's other load hits both alike), after a warm-up round; the figure is the median.
// (Latency from post to socket is the notifier benchmark's `e2e`.)
// Default size runs in a couple of minutes; BENCH_FULL=1, or BENCH_FRIENDS / BENCH_POSTS / BENCH_ROUNDS.
import { loadavg } from 'node:os';
import { inPool } from '@herald/kit';
import { percentile, progress, writeBenchReport } from '@herald/kit/bench';
import { call } from '@herald/kit/testing';
import { openDevice, type Device } from '../../system-tests/src/testing/client.js';
import { startSystem, type HeraldSystem } from '../../system-tests/src/testing/system.js';

const full = process.env.BENCH_FULL === '1';
const friendCount = Number(process.env.BENCH_FRIENDS ?? (full ? 1000 : 200));
const postCount = Number(process.env.BENCH_POSTS ?? (full ? 200 : 40));
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const inFlight = 8;

interface User { readonly id: string; readonly token: string }

async function registerUser(system: HeraldSystem, n: number): Promise<User> {
  const password = 'bench-password';
  const profile = { first_name: `Bench${n}`, second_name: 'User', birthdate: '1990-01-01', biography: '', city: 'Bench', password };
  const registered = await call(system.apiUrl, 'POST', '/user/register', { json: profile });
  const id = (registered.body as { user_id: string }).user_id;
  const login = await call(system.apiUrl, 'POST', '/login', { json: { id, password } });
  return { id, token: (login.body as { token: string }).token };
}

async function createPost(system: HeraldSystem, author: User, text: string): Promise<string> {
  const answer = await call(system.apiUrl, 'POST', '/post/create', { token: author.token, json: { text } });
  if (answer.status !== 200) throw new Error(`POST /post/create answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return String(answer.body);
}

/** Deliveries per second of `postCount` posts made `inFlight` at a time, to these devices. */
async function fanOutRound(system: HeraldSystem, author: User, devices: readonly Device[], label: string): Promise<number> {
  const started = performance.now();
  await inPool(postCount, inFlight, (i) => createPost(system, author, `${label} ${i}`), progress(`${label}: posts`, postCount));
  await Promise.all(devices.map((d) => d.waitFor(postCount, `${postCount} posts on every device`)));
  const seconds = (performance.now() - started) / 1000;
  return (postCount * devices.length) / seconds;
}

/** One round: sockets opened on `ports` (friends split evenly), posts fanned out, sockets closed. */
async function round(system: HeraldSystem, author: User, friends: readonly User[], ports: readonly number[], label: string): Promise<number> {
  const placed = friends.map((user, i) => ({ user, port: ports[i % ports.length]! }));
  const devices = await inPool(placed.length, 16, (i) => openDevice(placed[i]!.port, placed[i]!.user.token), progress(`${label}: sockets`, placed.length));
  try {
    return await fanOutRound(system, author, devices, label);
  } finally {
    await Promise.all(devices.map((d) => d.close()));
  }
}

async function main(): Promise<void> {
  const loadAtStart = loadavg()[0] ?? Number.NaN;
  console.log(`scale-out: ${friendCount} friends with a socket each, ${postCount} posts per round, ${rounds} rounds per layout${full ? ' (full size)' : ''}`);
  const system = await startSystem('bench_scale_out', { LOG_LEVEL: 'warn', SCRYPT_LOG2_COST: '10' });
  try {
    const second = await system.addNotifier();
    const author = await registerUser(system, 0);
    const friends = await inPool(friendCount, 8, (i) => registerUser(system, i + 1), progress('register and log in', friendCount));
    await inPool(friends.length, 8, (i) => call(system.apiUrl, 'PUT', `/friend/set/${author.id}`, { token: friends[i]!.token }), progress('befriend the author', friends.length));
    // JIT, connection pools and caches warm up in the first rounds; this one is not counted.
    await round(system, author, friends, [system.notifierPort, second.port], 'warm-up');
    const one: number[] = [];
    const two: number[] = [];
    for (let r = 1; r <= rounds; r += 1) {
      one.push(await round(system, author, friends, [system.notifierPort], `round ${r}, one notifier`));
      two.push(await round(system, author, friends, [system.notifierPort, second.port], `round ${r}, two notifiers`));
    }
    const median = (xs: number[]) => percentile(xs, 50);
    writeBenchReport('scale-out', {
      oneNotifier: { deliveriesPerSec: median(one), ...Object.fromEntries(one.map((v, i) => [`round${i + 1}`, v])) },
      twoNotifiers: { deliveriesPerSec: median(two), ...Object.fromEntries(two.map((v, i) => [`round${i + 1}`, v])) },
      size: { friends: friendCount, postsPerRound: postCount, rounds },
      // Other work on the machine shows in every figure here; the load says how much there was.
      machine: { loadAverage1mAtStart: loadAtStart, loadAverage1mAtEnd: loadavg()[0] ?? Number.NaN },
    }, [
      { figure: 'twoNotifiers.deliveriesPerSec', value: median(two), unit: 'deliveries/s', baseline: median(one) },
    ]);
  } finally {
    await system.stop();
  }
}

await main();
