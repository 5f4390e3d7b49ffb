// The whole of Herald as `make up` starts it: each process is its package's `main`
// entry point run with `node --import tsx`, here on free ports with a fresh test
// database, its own exchange and its own Redis prefix. Unlike `make up`, the children
// stay in the test's process group: a test runner that kills the group on a timeout
// takes them with it, and nothing is orphaned.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestDatabase } from '@herald/kit/testing';
import { createTestDatabase, eventually, freePort, uniqueName } from '@herald/kit/testing';
import { liftedClientBounds } from '@herald/command-api/testing';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const stopGraceMs = 15_000;
const readyTimeoutMs = 90_000;

export interface HeraldProcess {
  readonly name: string;
  readonly port: number;
  /** The last lines it wrote (stdout and stderr), for failure messages. */
  tail(): string;
}

export interface HeraldSystem {
  readonly apiUrl: string;
  readonly notifierPort: number;
  /** Starts one more notifier process on its own port; resolves once it is ready. */
  addNotifier(): Promise<HeraldProcess>;
  /** Every process started so far (each answers /healthz, /readyz and /metrics on its port). */
  running(): readonly HeraldProcess[];
  /** Every process's log tail, for a failing test's message. */
  logs(): string;
  stop(): Promise<void>;
}

interface Running extends HeraldProcess {
  readonly child: ChildProcess;
  exited(): boolean;
}

const started = new Set<Running>();

// Last resort if the test process exits without its test.after: no orphaned processes.
process.once('exit', () => {
  for (const p of started) if (!p.exited() && p.child.pid) signal(p.child.pid, 'SIGKILL');
});

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

/** A process's entry point, by its package's public `main` export. */
const mainOf = (pkg: string) => fileURLToPath(import.meta.resolve(`@herald/${pkg}/main`));

function launch(name: string, pkg: string, port: number, env: Record<string, string>): Running {
  const child = spawn(process.execPath, ['--import', 'tsx', mainOf(pkg)], {
    cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString('utf8').trimEnd().split('\n'));
    lines.splice(0, Math.max(0, lines.length - 40));
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited = false;
  child.once('exit', () => { exited = true; });
  const running: Running = { name, port, child, exited: () => exited, tail: () => `--- ${name} (:${port}) ---\n${lines.join('\n')}` };
  started.add(running);
  return running;
}

/** Resolves once the process answers /readyz; fails at once if it exits first, with its log tail. */
async function whenReady(p: Running): Promise<void> {
  const exitedEarly = new Promise<never>((_, reject) => {
    p.child.once('exit', (code, signalName) => reject(new Error(`${p.name} exited (${signalName ?? `code ${code}`}) before it was ready\n${p.tail()}`)));
  });
  const ready = eventually(async () => {
    const response = await fetch(`http://127.0.0.1:${p.port}/readyz`, { signal: AbortSignal.timeout(2_000) });
    await response.body?.cancel();
    return response.status === 200 ? true : undefined;
  }, `${p.name} to answer /readyz on :${p.port}`, readyTimeoutMs).catch((error: unknown) => {
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${p.tail()}`);
  });
  await Promise.race([ready, exitedEarly]);
}

async function stopProcess(p: Running): Promise<void> {
  const pid = p.child.pid;
  if (pid === undefined || p.exited()) return;
  const gone = new Promise<void>((resolve) => p.child.once('exit', () => resolve()));
  signal(pid, 'SIGTERM');
  const timer = setTimeout(() => signal(pid, 'SIGKILL'), stopGraceMs);
  await gone;
  clearTimeout(timer);
  started.delete(p);
}

/**
 * Starts command-api, projector and notifier as child processes and waits until each is
 * ready. `overrides` are extra environment variables for every process.
 */
export async function startSystem(label: string, overrides: Readonly<Record<string, string>> = {}): Promise<HeraldSystem> {
  const database: TestDatabase = await createTestDatabase(label);
  const [httpPort, grpcPort, projectorPort, notifierPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const common = {
    DATABASE_URL: database.url,
    FEED_EXCHANGE: uniqueName('herald.feed'),
    REDIS_KEY_PREFIX: `${uniqueName(`herald-${label}`)}:`,
    LOG_LEVEL: 'info',
    ...overrides,
  };
  const notifierEnv = (port: number) => ({ ...common, NOTIFIER_HOST: '127.0.0.1', NOTIFIER_PORT: String(port), AUTH_GRPC_ADDRESS: `127.0.0.1:${grpcPort}` });
  const processes: Running[] = [];
  const logs = () => processes.map((p) => p.tail()).join('\n');
  try {
    processes.push(launch('command-api', 'command-api', httpPort, {
      ...common,
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: String(httpPort),
      GRPC_PORT: String(grpcPort),
      NOTIFIER_PUBLIC_URL: `ws://127.0.0.1:${notifierPort}/post/feed/posted`,
      // Every client of a test or benchmark is 127.0.0.1.
      ...liftedClientBounds,
      ...overrides,
    }));
    processes.push(launch('projector', 'projections', projectorPort, { ...common, PROJECTOR_HOST: '127.0.0.1', PROJECTOR_PORT: String(projectorPort) }));
    processes.push(launch('notifier', 'notifier', notifierPort, notifierEnv(notifierPort)));
    await Promise.all(processes.map(whenReady));
  } catch (error) {
    await Promise.all(processes.map(stopProcess));
    await database.drop();
    throw error;
  }
  return {
    apiUrl: `http://127.0.0.1:${httpPort}`,
    notifierPort,
    async addNotifier() {
      const port = await freePort();
      const notifier = launch(`notifier-${processes.length - 1}`, 'notifier', port, notifierEnv(port));
      processes.push(notifier);
      await whenReady(notifier);
      return notifier;
    },
    running: () => [...processes],
    logs,
    async stop() {
      // Reverse order: notifiers and projector before the API their auth and data come from.
      for (const p of [...processes].reverse()) await stopProcess(p);
      await database.drop();
    },
  };
}
