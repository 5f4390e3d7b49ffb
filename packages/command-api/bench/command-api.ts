// Post creates per second and their p99 at 32 connections (autocannon), beside a bare
// Koa route measured in the same run. The API runs as its own process, as deployed;
// this process is the load generator. BENCH_DURATION_S sets the length of each run.
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { writeBenchReport } from '@herald/kit/bench';
import { createTestDatabase, uniqueName } from '@herald/kit/testing';
import autocannon from 'autocannon';
import { createPostgresEventStore } from '@herald/eventstore';
import type { StartFrom } from '@herald/eventstore';

const durationS = Number(process.env.BENCH_DURATION_S ?? 15);
const warmupS = Number(process.env.BENCH_WARMUP_S ?? 3);
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
    createInterface({ input: child.stdout! }).on('line', (text) => {
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
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

async function load(title: string, options: autocannon.Options): Promise<autocannon.Result> {
  console.log(`${title}: warming up ${warmupS} s, then ${durationS} s at ${connections} connections`);
  await autocannon({ ...options, connections, duration: warmupS });
  const result = await autocannon({ ...options, connections, duration: durationS });
  console.log(`${title}: ${Math.round(result.requests.average)} req/s, p99 ${result.latency.p99} ms, non-2xx ${result.non2xx}, errors ${result.errors}`);
  return result;
}

async function json(url: string, body: unknown, token?: string): Promise<any> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`${url} answered ${response.status}: ${await response.text()}`);
  return response.json();
}

async function countPostsCreated(databaseUrl: string): Promise<number> {
  const store = createPostgresEventStore({ databaseUrl });
  let from: StartFrom = 'start';
  let count = 0;
  for (;;) {
    const batch = await store.readAll({ from, maxCount: 10_000, filter: { eventTypes: ['PostCreated'] } });
    count += batch.events.length;
    from = batch.next;
    if (batch.caughtUp || batch.events.length === 0) break;
  }
  await store.close();
  return count;
}

const db = await createTestDatabase('bench_command_api');
try {
  const baseline = await spawnUntil('bench/bare-koa.ts', {}, (line) => (typeof line.port === 'number' ? line.port : undefined));
  const bare = await load('baseline (bare Koa route)', { url: `http://127.0.0.1:${baseline.port}/post/create`, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'bench post' }) });
  await stop(baseline.child);

  const api = await spawnUntil('src/main.ts', {
    DATABASE_URL: db.url, HTTP_HOST: '127.0.0.1', HTTP_PORT: '0', GRPC_PORT: '0', LOG_LEVEL: 'info',
    REDIS_KEY_PREFIX: `${uniqueName('herald-bench')}:`,
  }, (line) => (line.msg === 'ready' && typeof line.httpPort === 'number' ? line.httpPort : undefined));
  const baseUrl = `http://127.0.0.1:${api.port}`;
  const password = 'benchmark password';
  const { user_id: userId } = await json(`${baseUrl}/user/register`, { first_name: 'Bench', second_name: 'Mark', birthdate: '1990-01-01', password });
  const { token } = await json(`${baseUrl}/login`, { id: userId, password });
  const creates = await load('post create', { url: `${baseUrl}/post/create`, method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ text: 'bench post' }) });
  await stop(api.child);

  // Every 200 must be a post in the log: count them through the port.
  const stored = await countPostsCreated(db.url);
  console.log(`posts in the log: ${stored} (warm-up included); 2xx in the measured run: ${creates['2xx']}`);

  writeBenchReport('command-api', {
    postCreate: { reqPerSec: creates.requests.average, p99Ms: creates.latency.p99, p50Ms: creates.latency.p50, non2xx: creates.non2xx, errors: creates.errors, connections, durationS, postsInLog: stored },
    baseline: { reqPerSec: bare.requests.average, p99Ms: bare.latency.p99, p50Ms: bare.latency.p50 },
  }, [
    { figure: 'postCreate.reqPerSec', value: creates.requests.average, unit: 'req/s', baseline: bare.requests.average, target: '>= 4,000', met: creates.requests.average >= 4_000 },
    { figure: 'postCreate.p99Ms', value: creates.latency.p99, unit: 'ms', baseline: bare.latency.p99, target: '<= 10 ms', met: creates.latency.p99 <= 10 },
    { figure: 'postCreate.non2xx', value: creates.non2xx + creates.errors, unit: 'responses', target: '0', met: creates.non2xx + creates.errors === 0 },
  ]);
} finally {
  await db.drop();
}
