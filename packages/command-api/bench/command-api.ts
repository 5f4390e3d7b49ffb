// Post creates per second and their p99 at 32 connections (autocannon), beside a bare
// Koa route measured in the same run, in alternating rounds (medians reported). The API
// runs as its own process, as deployed; this process is the load generator.
// BENCH_ROUNDS (3), BENCH_DURATION_S (8 per round) and BENCH_WARMUP_S (5) set the lengths.
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { writeBenchReport } from '@herald/kit/bench';
import { createTestDatabase, uniqueName } from '@herald/kit/testing';
import autocannon from 'autocannon';
import { createPostgresEventStore } from '@herald/eventstore';
import type { EventStore, StartFrom } from '@herald/eventstore';

const durationS = Number(process.env.BENCH_DURATION_S ?? 8);
const warmupS = Number(process.env.BENCH_WARMUP_S ?? 5);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const connections = 32;
const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** Spawns a process and resolves when it prints a JSON line that `ready` accepts. */
function spawnUntil(script: string, env: Record<string, string>, ready: (line: Record<string, unknown>) => number | undefined): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: packageDir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} did not get ready within 60 s`));
    }, 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code}`));
    });
    createInterface({ input: child.stdout }).on('line', (text) => {
      try {
        const port = ready(JSON.parse(text));
        if (port !== undefined) {
          clearTimeout(timer);
          resolve({ child, port });
        }
      } catch {
        // Not a JSON line.
      }
    });
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** A measured run, after a warm-up when asked; `warmUp2xx` counts the warm-up's 2xx answers. */
async function load(title: string, options: autocannon.Options, warmUp: boolean): Promise<autocannon.Result & { warmUp2xx: number }> {
  let warmUp2xx = 0;
  if (warmUp) {
    console.log(`${title}: warming up ${warmupS} s`);
    warmUp2xx = (await autocannon({ ...options, connections, duration: warmupS }))['2xx'];
  }
  const result = await autocannon({ ...options, connections, duration: durationS });
  console.log(`${title}: ${Math.round(result.requests.average)} req/s, p99 ${result.latency.p99} ms, non-2xx ${result.non2xx}, errors ${result.errors} (${durationS} s at ${connections} connections)`);
  return { ...result, warmUp2xx };
}

async function json(url: string, body: unknown, token?: string): Promise<any> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`${url} answered ${response.status}: ${await response.text()}`);
  return response.json();
}

async function countPostsCreated(store: EventStore): Promise<number> {
  let from: StartFrom = 'start';
  let count = 0;
  for (;;) {
    const batch = await store.readAll({ from, maxCount: 10_000, filter: { eventTypes: ['PostCreated'] } });
    count += batch.events.length;
    from = batch.next;
    if (batch.caughtUp || batch.events.length === 0) break;
  }
  return count;
}

/**
 * PostCreated events in the log, counted again for up to 30 s while fewer than `expected`:
 * readers see a commit only once every older transaction of the cluster has ended.
 */
async function postsInLog(databaseUrl: string, expected: number): Promise<number> {
  const store = createPostgresEventStore({ databaseUrl });
  try {
    const deadline = Date.now() + 30_000;
    let count = await countPostsCreated(store);
    while (count < expected && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      count = await countPostsCreated(store);
    }
    return count;
  } finally {
    await store.close();
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

const db = await createTestDatabase('bench_command_api');
const children: ChildProcess[] = [];
try {
  const baseline = await spawnUntil('bench/bare-koa.ts', {}, (line) => (typeof line.port === 'number' ? line.port : undefined));
  children.push(baseline.child);
  const api = await spawnUntil('src/main.ts', {
    DATABASE_URL: db.url, HTTP_HOST: '127.0.0.1', HTTP_PORT: '0', GRPC_PORT: '0', LOG_LEVEL: 'info',
    REDIS_KEY_PREFIX: `${uniqueName('herald-bench')}:`,
  }, (line) => (line.msg === 'ready' && typeof line.httpPort === 'number' ? line.httpPort : undefined));
  children.push(api.child);
  const baseUrl = `http://127.0.0.1:${api.port}`;
  const password = 'benchmark password';
  const { user_id: userId } = await json(`${baseUrl}/user/register`, { first_name: 'Bench', second_name: 'Mark', birthdate: '1990-01-01', password });
  const { token } = await json(`${baseUrl}/login`, { id: userId, password });
  const body = JSON.stringify({ text: 'bench post' });
  const bareOptions = { url: `http://127.0.0.1:${baseline.port}/post/create`, method: 'POST' as const, headers: { 'content-type': 'application/json' }, body };
  const createOptions = { url: `${baseUrl}/post/create`, method: 'POST' as const, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body };

  // Alternating rounds, so that whatever else the machine does falls on both alike.
  const bare: autocannon.Result[] = [];
  const creates: Array<autocannon.Result & { warmUp2xx: number }> = [];
  for (let round = 1; round <= rounds; round++) {
    bare.push(await load(`round ${round}/${rounds} baseline (bare Koa route)`, bareOptions, round === 1));
    creates.push(await load(`round ${round}/${rounds} post create`, createOptions, round === 1));
  }

  // Every 200 must be a post in the log: count them through the port, warm-up included.
  const answered = creates.reduce((sum, r) => sum + r['2xx'], 0);
  const answeredAll = answered + creates.reduce((sum, r) => sum + r.warmUp2xx, 0);
  const stored = await postsInLog(db.url, answeredAll);
  // Autocannon drops the requests in flight when a round ends; the server still appends
  // them: posts in the log never answered are expected, answers missing from the log are not.
  const notInLog = Math.max(0, answeredAll - stored);
  const unansweredInLog = Math.max(0, stored - answeredAll);
  const failed = creates.reduce((sum, r) => sum + r.non2xx + r.errors, 0);
  console.log(`posts in the log: ${stored}; 2xx answered (warm-up included): ${answeredAll}${notInLog === 0 ? '' : `: ${notInLog} answered 200 but not in the log`}${unansweredInLog === 0 ? '' : ` (${unansweredInLog} in the log whose answer the client dropped at the end of a round)`}`);

  const createRate = median(creates.map((r) => r.requests.average));
  const createP99 = median(creates.map((r) => r.latency.p99));
  const bareRate = median(bare.map((r) => r.requests.average));
  writeBenchReport('command-api', {
    postCreate: {
      reqPerSec: createRate, p99Ms: createP99, p50Ms: median(creates.map((r) => r.latency.p50)),
      bestRoundReqPerSec: Math.max(...creates.map((r) => r.requests.average)), bestRoundP99Ms: Math.min(...creates.map((r) => r.latency.p99)),
      non2xxAndErrors: failed, answered2xx: answered, answered2xxWithWarmUp: answeredAll, postsInLog: stored, answeredNotInLog: notInLog, inLogUnanswered: unansweredInLog, connections, rounds, roundSeconds: durationS,
    },
    baseline: { reqPerSec: bareRate, p99Ms: median(bare.map((r) => r.latency.p99)), p50Ms: median(bare.map((r) => r.latency.p50)) },
  }, [
    { figure: 'postCreate.reqPerSec', value: createRate, unit: 'req/s', offered: `closed loop, ${connections} connections`, baseline: bareRate, target: '>= 4,000', met: createRate >= 4_000 },
    { figure: 'postCreate.p99Ms', value: createP99, unit: 'ms', baseline: median(bare.map((r) => r.latency.p99)), target: '<= 10 ms', met: createP99 <= 10 },
    { figure: 'postCreate.non2xx', value: failed, unit: 'responses', target: '0', met: failed === 0 },
    { figure: 'postCreate.answeredNotInLog', value: notInLog, unit: 'posts', target: '0: every 200 is a post in the log', met: notInLog === 0 },
  ]);
} finally {
  await Promise.all(children.map(stop));
  await db.drop();
}
