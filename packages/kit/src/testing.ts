import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { inspect } from 'node:util';
import pg from 'pg';

/**
 * Prefix of throwaway test databases, named `herald_t_<pid>_<label>_<random>`: the test
 * runner drops those whose process is gone, and never a live run's.
 */
export const testDatabasePrefix = 'herald_t_';

const adminUrl = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  readonly url: string;
  readonly name: string;
  drop(): Promise<void>;
}

/**
 * A new, empty database of its own for one test file, so files never see each other's rows;
 * on the machine's PostgreSQL unless `admin` names another cluster (a fault suite's own).
 */
export async function createTestDatabase(label: string, admin: string = adminUrl): Promise<TestDatabase> {
  const safeLabel = label.replace(/[^a-z0-9]/gi, '_').toLowerCase().slice(0, 32);
  const name = `${testDatabasePrefix}${process.pid}_${safeLabel}_${randomBytes(4).toString('hex')}`;
  const creator = new pg.Client({ connectionString: admin });
  await creator.connect();
  try {
    await creator.query(`CREATE DATABASE "${name}"`);
  } finally {
    await creator.end();
  }
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const client = new pg.Client({ connectionString: admin });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** A name no other test run uses: exchanges, key prefixes, queues. */
export function uniqueName(label: string): string {
  return `${label}.${randomBytes(4).toString('hex')}`;
}

/** Runs a TypeScript entry point (a process's main.ts) to its exit: its exit code and everything it wrote. */
export function runToExit(file: string, env: Readonly<Record<string, string>>, timeoutMs = 30_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString('utf8'); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString('utf8'); });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${file} did not exit within ${timeoutMs} ms\n${stdout}${stderr}`));
    }, timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * A free TCP port on 127.0.0.1 below the kernel's ephemeral range, for a server that is
 * started again on the same port (a fault test's killed process). While it is down, its
 * clients keep connecting to its port; the local port of an outgoing connection comes
 * from the ephemeral range, and one that happens to equal the port it dials connects to
 * itself (a TCP simultaneous open) and holds the port: the server cannot bind it again.
 */
export async function restartablePort(): Promise<number> {
  const range = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
  const below = range[0] && range[0] > 11_000 ? range[0] : 32_768;
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const port = 10_000 + Math.floor(Math.random() * (below - 10_000));
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error(`no free port found between 10000 and ${below}`);
}

/**
 * Polls until `probe` returns a value other than undefined, or fails with the last
 * value seen. For eventual consistency in tests; the bound is generous, not a timing claim.
 */
export async function eventually<T>(probe: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${lastError instanceof Error ? String(lastError) : inspect(lastError)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

interface SkippableTest {
  skip(name: string, handler: () => unknown): void;
}

/** Registers a skipped test and prints why, so a skip is never silent. */
export function skipBecause(test: SkippableTest, name: string, reason: string): void {
  console.log(`SKIP ${name}: ${reason}`);
  test.skip(name, () => undefined);
}
export { startTcpProxy, type TcpProxy } from './tcp-proxy.js';
export { startRabbitNodes, freeNodePorts, downLeftoverNodes } from './rabbitmq-nodes.js';
export type { RabbitNodes } from './rabbitmq-nodes.js';
export { call, callOk, type Answer, type CallOptions } from './testing/http.js';
