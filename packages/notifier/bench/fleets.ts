import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FleetReply, FleetRequest, ProbeReport } from './fleet.js';

const fleetPath = fileURLToPath(new URL('./fleet.ts', import.meta.url));

/** Most sockets one fleet process holds (it needs a file descriptor for each). */
export const socketsPerFleet = 5_000;

export interface Fleets {
  /**
   * Opens one socket per token, spread over the fleet processes; returns how many opened.
   * With `reconnectTo`, a client whose socket ends reconnects with its cursor to the next of those URLs.
   */
  open(url: string, tokens: readonly string[], reconnectTo?: readonly string[]): Promise<{ open: number; failed: number; firstError?: string }>;
  /** Every client reconnects to `url` with the cursor of the last post it got. */
  resume(url: string): Promise<{ open: number; failed: number; firstError?: string; latenciesMs: number[] }>;
  received(): Promise<number>;
  /** Sockets open now, and how many times a client reconnected by itself. */
  sockets(): Promise<{ open: number; reconnects: number }>;
  /** The probes' arrivals over every fleet since the last call. */
  probes(): Promise<ProbeReport>;
  /** The fleet processes' ids (for their CPU time). */
  pids(): number[];
  close(): Promise<void>;
}

function ask(child: ChildProcess, request: FleetRequest, answer: FleetReply['op']): Promise<FleetReply> {
  return new Promise((resolve, reject) => {
    // A fleet that died never answers: say so rather than wait for ever.
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => reject(new Error(`a fleet process exited (${signal ?? `code ${code}`}) before answering ${request.op}`));
    const onMessage = (reply: FleetReply) => {
      if (reply.op !== answer) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(reply);
    };
    if (child.exitCode !== null || child.signalCode !== null) return onExit(child.exitCode, child.signalCode);
    child.once('exit', onExit);
    child.on('message', onMessage);
    child.send(request, (error) => error && reject(error));
  });
}

/** Client fleets for `sockets` connections, each in a process of its own (at least `processes` of them). */
export function startFleets(sockets: number, processes = 1): Fleets {
  const children = Array.from({ length: Math.max(processes, Math.ceil(sockets / socketsPerFleet)) }, () =>
    fork(fleetPath, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  return {
    pids: () => children.flatMap((child) => (child.pid === undefined ? [] : [child.pid])),
    async open(url, tokens, reconnectTo) {
      const share = Math.ceil(tokens.length / children.length);
      const replies = await Promise.all(children.map((child, i) =>
        ask(child, { op: 'open', url, tokens: tokens.slice(i * share, (i + 1) * share), concurrency: 100, reconnectTo: reconnectTo && [...reconnectTo] }, 'opened')));
      let open = 0;
      let failed = 0;
      let firstError: string | undefined;
      for (const r of replies) {
        if (r.op !== 'opened') continue;
        open += r.open;
        failed += r.failed;
        firstError ??= r.firstError;
      }
      return { open, failed, firstError };
    },
    async resume(url) {
      const replies = await Promise.all(children.map((child) => ask(child, { op: 'resume', url, concurrency: 100 }, 'resumed')));
      const out = { open: 0, failed: 0, firstError: undefined as string | undefined, latenciesMs: [] as number[] };
      for (const r of replies) {
        if (r.op !== 'resumed') continue;
        out.open += r.open;
        out.failed += r.failed;
        out.firstError ??= r.firstError;
        out.latenciesMs.push(...r.latenciesMs);
      }
      return out;
    },
    async received() {
      const replies = await Promise.all(children.map((child) => ask(child, { op: 'count' }, 'count')));
      return replies.reduce((sum, r) => sum + (r.op === 'count' ? r.received : 0), 0);
    },
    async sockets() {
      const replies = await Promise.all(children.map((child) => ask(child, { op: 'count' }, 'count')));
      return replies.reduce((sum, r) => (r.op === 'count' ? { open: sum.open + r.open, reconnects: sum.reconnects + r.reconnects } : sum), { open: 0, reconnects: 0 });
    },
    async probes() {
      const replies = await Promise.all(children.map((child) => ask(child, { op: 'probes' }, 'probes')));
      return {
        arrivals: replies.flatMap((r) => (r.op === 'probes' ? r.arrivals : [])),
        duplicated: replies.flatMap((r) => (r.op === 'probes' ? r.duplicated : [])),
      };
    },
    async close() {
      await Promise.all(children.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        await ask(child, { op: 'close' }, 'closed');
        await exited;
      }));
    },
  };
}

/** Resident memory of a process, from /proc (Linux). */
export function rssOf(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) * 1024;
}

/** The soft open-file limit this process (and its children) run with. */
export function openFileLimit(): number {
  const match = /Max open files\s+(\d+)/.exec(readFileSync('/proc/self/limits', 'utf8'));
  return match ? Number(match[1]) : 1024;
}
