import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createLogger, loadConfig, type Logger } from '@herald/kit';
import { uniqueName } from '@herald/kit/testing';
import { settings, type NotifierConfig } from '../settings.js';

export const testLogger: Logger = createLogger('notifier-test', process.env.TEST_LOG_LEVEL ?? 'error');

/** Settings for an in-process notifier on a free port of 127.0.0.1. */
export function notifierConfig(env: Record<string, string>): NotifierConfig {
  return loadConfig(settings, { NOTIFIER_HOST: '127.0.0.1', NOTIFIER_PORT: '0', ...env });
}

export interface HeraldProcess {
  /** The port of its `ready` line (`port`, or `httpPort` for the command API). */
  readonly port: number;
  /** The whole `ready` line, for processes with several ports. */
  readonly ready: Record<string, unknown>;
  readonly url: string;
  readonly child: ChildProcess;
  /** The last 500 lines the process logged, parsed. */
  readonly logs: Array<Record<string, unknown>>;
  readonly exited: Promise<number | NodeJS.Signals | null>;
  /** Sends the signal and waits for the exit code (or the signal that ended it). */
  stop(signal?: NodeJS.Signals): Promise<number | NodeJS.Signals | null>;
}

export type NotifierProcess = HeraldProcess;

const notifierMain = fileURLToPath(new URL('../main.ts', import.meta.url));
// Through the projections package's public entry point, as a deployment runs it, not by a path into its tree.
const projectorMain = fileURLToPath(import.meta.resolve('@herald/projections/main'));

/** Runs `node --import tsx packages/notifier/src/main.ts` and waits for its `ready` line. */
export function spawnNotifier(env: Record<string, string>, readyWithinMs?: number): Promise<NotifierProcess> {
  return spawnReady('notifier', notifierMain, { NOTIFIER_HOST: '127.0.0.1', NOTIFIER_PORT: '0', ...env }, readyWithinMs);
}

/** Runs the projector daemon (`@herald/projections/main`) the same way. */
export function spawnProjector(env: Record<string, string>, readyWithinMs?: number): Promise<HeraldProcess> {
  // A key prefix of its own unless given: notification history never mixes with another run's.
  return spawnReady('projector', projectorMain, { PROJECTOR_HOST: '127.0.0.1', PROJECTOR_PORT: '0', REDIS_KEY_PREFIX: `${uniqueName('herald-test')}:`, ...env }, readyWithinMs);
}

/**
 * With HERALD_CPU_PROF=<dir>, each child writes a V8 CPU profile there when it exits
 * (`node --cpu-prof`, which NODE_OPTIONS does not allow): how a benchmark's services are profiled.
 */
const profileArgs = process.env.HERALD_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.HERALD_CPU_PROF}`] : [];

/**
 * A Herald main.ts (or any script that logs JSON lines) as a child process, resolved once
 * it logs `ready` with its port; killed and rejected if it has not within `readyWithinMs`.
 */
export function spawnReady(name: string, mainPath: string, env: Record<string, string>, readyWithinMs = 30_000): Promise<HeraldProcess> {
  const child = spawn(process.execPath, [...profileArgs, '--import', 'tsx', mainPath], {
    // `ready` is an info line: the level stays info whatever the caller asks.
    env: { ...process.env, ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  return new Promise((resolve, reject) => {
    const notReady = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} not ready within ${readyWithinMs} ms: ${stderr}`));
    }, readyWithinMs);
    notReady.unref();
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      logs.push(entry);
      // A busy process logs a lot: keep the recent lines only.
      if (logs.length > 500) logs.splice(0, logs.length - 500);
      const port = entry.port ?? entry.httpPort;
      if (entry.msg === 'ready' && typeof port === 'number') {
        clearTimeout(notReady);
        resolve({
          port, ready: entry, url: `ws://127.0.0.1:${port}`, child, logs, exited,
          stop: (signal = 'SIGTERM') => {
            if (child.exitCode === null) child.kill(signal);
            return exited;
          },
        });
      }
    });
    void exited.then((code) => reject(new Error(`${name} exited with ${code} before ready: ${stderr}`)));
  });
}

/** One figure from a notifier's /metrics (summed over its labels, or one label set). */
export async function metricValue(port: number, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^(\w+)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    if (labels && !(match[2] ?? '').includes(labels)) continue;
    sum += Number(match[3]);
  }
  return sum;
}
