import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Extra RabbitMQ nodes for a test or a benchmark, through infra/rabbitmq-nodes.sh: a
 * folder, a name prefix and free ports of their own (the system's broker on :5672 and a
 * developer's nodes are never touched), torn down by `down()` or, should the process end
 * first, by its exit; nodes of a run killed before either are downed by the next run.
 */
export interface RabbitNodes {
  /** Node i's AMQP URL, i from 1. */
  url(i: number): string;
  readonly urls: readonly string[];
  managementPort(i: number): number;
  /** Stops node i (its data stays); resolves once it is down. */
  stop(i: number): Promise<void>;
  start(i: number): Promise<void>;
  /** Node i's OS process id, or undefined while it is stopped. */
  pid(i: number): Promise<number | undefined>;
  down(): Promise<void>;
}

const script = fileURLToPath(new URL('../../../infra/rabbitmq-nodes.sh', import.meta.url));
const folderPrefix = 'herald-rabbitmq-nodes-';

interface Run {
  readonly status: number | null;
  readonly output: string;
}

/** Runs the script without blocking the event loop (sockets of the caller stay served meanwhile). */
function nodesScript(env: Record<string, string>, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn('bash', [script, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('close', (status) => resolve({ status, output }));
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A first AMQP port whose nodes' AMQP, management (+10000) and distribution (+20000) ports are free. */
export async function freeNodePorts(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const base = 5700 + Math.floor(Math.random() * 290);
    const ports = Array.from({ length: count }, (_, i) => [base + i, base + i + 10_000, base + i + 20_000]).flat();
    if ((await Promise.all(ports.map(portIsFree))).every(Boolean)) return base;
  }
  throw new Error(`no free range of ports for ${String(count)} RabbitMQ nodes`);
}

/** Nodes of runs that were killed before their teardown: their folders name their pid. */
export async function downLeftoverNodes(): Promise<void> {
  for (const name of readdirSync(tmpdir())) {
    const pid = Number(new RegExp(`^${folderPrefix}(\\d+)-`).exec(name)?.[1]);
    if (pid > 0 && !isAlive(pid)) {
      const dir = join(tmpdir(), name);
      if ((await nodesScript({ RABBITMQ_NODES_DIR: dir }, 'down')).status === 0) rmSync(dir, { recursive: true, force: true });
    }
  }
}

/** Starts `count` nodes as one cluster or as independent brokers (shards), and waits until they answer. */
export async function startRabbitNodes(mode: 'cluster' | 'shards', label: string, count = 3): Promise<RabbitNodes> {
  await downLeftoverNodes();
  const dir = mkdtempSync(join(tmpdir(), `${folderPrefix}${String(process.pid)}-${label}-`));
  const base = await freeNodePorts(count);
  const env = { RABBITMQ_NODES_DIR: dir, RABBITMQ_NODES_PORT: String(base), RABBITMQ_NODES_NAME: `herald-t${String(process.pid)}${label.slice(0, 1).toLowerCase() || 'x'}-r` };
  const run = async (...args: string[]) => {
    const result = await nodesScript(env, ...args);
    if (result.status !== 0) throw new Error(`rabbitmq-nodes.sh ${args.join(' ')} failed: ${result.output}`);
    return result.output;
  };
  let downed = false;
  const down = async () => {
    if (downed || !existsSync(dir)) return;
    downed = true;
    await run('down');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', () => {
    // Last resort, synchronous: the nodes must not outlive a crashed run.
    if (!downed && existsSync(dir)) spawnSyncDown(env);
  });
  try {
    await run('up', `--${mode}`, '--nodes', String(count));
  } catch (error) {
    await down().catch(() => undefined);
    throw error;
  }
  const url = (i: number) => `amqp://guest:guest@127.0.0.1:${String(base + i - 1)}`;
  return {
    url,
    urls: Array.from({ length: count }, (_, i) => url(i + 1)),
    managementPort: (i) => base + i - 1 + 10_000,
    stop: async (i) => void (await run('stop', String(i))),
    start: async (i) => void (await run('start', String(i))),
    async pid(i) {
      const status = await nodesScript(env, 'ctl', String(i), '-q', 'eval', 'list_to_integer(os:getpid()).');
      const pid = Number(status.output.trim());
      return status.status === 0 && pid > 0 ? pid : undefined;
    },
    down,
  };
}

function spawnSyncDown(env: Record<string, string>): void {
  spawnSync('bash', [script, 'down'], { env: { ...process.env, ...env }, stdio: 'ignore' });
}
