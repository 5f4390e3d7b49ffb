// `make up` / `make down` / `make run` as an operator sees them, with Herald's real
// processes on free ports, a test database, their own
// exchange and Redis prefix, and pids and logs in a temporary folder instead of .run/.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { TestDatabase } from '../packages/kit/src/testing.js';
import { createTestDatabase, eventually, freePort, uniqueName } from '../packages/kit/src/testing.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const script = join(root, 'scripts/processes.mjs');
const runDir = mkdtempSync(join(tmpdir(), 'herald-run-'));

const catalogue = [
  { name: 'command-api', pkg: 'command-api', portVar: 'HTTP_PORT' },
  { name: 'projector', pkg: 'projections', portVar: 'PROJECTOR_PORT' },
  { name: 'notifier', pkg: 'notifier', portVar: 'NOTIFIER_PORT' },
];

let database: TestDatabase | undefined;
const env: Record<string, string> = {};
const ports = new Map<string, number>();

function processes(command: string, extraEnv: Record<string, string> = {}) {
  const run = spawnSync(process.execPath, [script, command], {
    cwd: root, encoding: 'utf8', timeout: 180_000, env: { ...process.env, ...env, ...extraEnv },
  });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

/** Live, non-zombie processes in the group `pgid`. */
function groupMembers(pgid: number): number[] {
  return readdirSync('/proc').filter((e) => /^\d+$/.test(e)).filter((pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return Number(pgrp) === pgid && state !== 'Z';
    } catch {
      return false;
    }
  }).map(Number);
}

/** Live processes started with this test's HERALD_RUN_DIR in their environment. */
function ours(): number[] {
  const marker = `HERALD_RUN_DIR=${runDir}`;
  return readdirSync('/proc').filter((e) => /^\d+$/.test(e)).filter((pid) => {
    try {
      const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').pop()?.[0];
      return state !== 'Z' && readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(marker);
    } catch {
      return false;
    }
  }).map(Number);
}

function pids(): number[] {
  return readdirSync(runDir).filter((f) => f.endsWith('.pid')).map((f) => Number(readFileSync(join(runDir, f), 'utf8')));
}

async function readyz(port: number): Promise<number | string> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2000) });
    await response.body?.cancel();
    return response.status;
  } catch (error) {
    return String(error);
  }
}

test.before(async () => {
  database = await createTestDatabase('processes');
  const grpcPort = await freePort();
  for (const p of catalogue) ports.set(p.name, await freePort());
  Object.assign(env, {
    HERALD_RUN_DIR: runDir,
    DATABASE_URL: database.url,
    GRPC_HOST: '127.0.0.1',
    GRPC_PORT: String(grpcPort),
    AUTH_GRPC_ADDRESS: `127.0.0.1:${grpcPort}`,
    FEED_EXCHANGE: uniqueName('herald.feed'),
    REDIS_KEY_PREFIX: `${uniqueName('herald-processes')}:`,
    LOG_LEVEL: 'info',
    UP_TIMEOUT_MS: '90000',
  });
  for (const p of catalogue) env[p.portVar] = String(ports.get(p.name));
  for (const cli of ['eventstore', 'projections'].map((pkg) => join(root, 'packages', pkg, 'src/cli/migrate.ts'))) {
    const migrated = spawnSync(process.execPath, ['--import', 'tsx', cli], { cwd: root, encoding: 'utf8', env: { ...process.env, ...env } });
    assert.is(migrated.status, 0, `${cli}: ${migrated.stderr}`);
  }
});

test.after(async () => {
  processes('down');
  rmSync(runDir, { recursive: true, force: true });
  await database?.drop();
});

test('up starts every process and returns once each answers /readyz', async () => {
  const up = processes('up');
  assert.is(up.status, 0, up.output);
  assert.match(up.output, 'all ready: ');
  for (const p of catalogue) {
    assert.match(up.output, `${p.name}: started`);
    assert.is(await readyz(ports.get(p.name) ?? 0), 200, `${p.name} answers /readyz`);
  }
  assert.is(pids().length, catalogue.length);
});

test('up again finds them running and starts nothing new', () => {
  const before = pids().sort();
  const up = processes('up');
  assert.is(up.status, 0, up.output);
  for (const p of catalogue) assert.match(up.output, `${p.name}: already running`);
  assert.equal(pids().sort(), before);
});

test('down stops them all and leaves no process behind', async () => {
  const groups = pids();
  const down = processes('down');
  assert.is(down.status, 0, down.output);
  for (const p of catalogue) assert.match(down.output, `${p.name}: stopped`);
  for (const pgid of groups) assert.equal(groupMembers(pgid), [], `nothing left of process group ${pgid}`);
  assert.equal(pids(), [], 'no pid files left');
  assert.equal(ours(), [], 'no process of ours left');
  for (const p of catalogue) assert.type(await readyz(ports.get(p.name) ?? 0), 'string', `${p.name} no longer answers`);
});

test('up fails with the failing process log tail, and stops the others', () => {
  const failing = catalogue[catalogue.length - 1];
  if (!failing) throw new Error('the catalogue is empty');
  const up = processes('up', { [failing.portVar]: 'not-a-port' });
  assert.is(up.status, 1, up.output);
  assert.match(up.output, `make up failed: ${failing.name} exited before it was ready`);
  assert.match(up.output, `${failing.portVar} must be a TCP port`, 'the log tail shows the ConfigError');
  assert.equal(pids(), [], 'what was started was stopped');
  assert.equal(ours(), [], 'no process of ours left');
});

test('run prefixes each line with its process and stops them all on SIGTERM', async () => {
  const child = spawn(process.execPath, [script, 'run'], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => { output += chunk; });
  child.stderr.on('data', (chunk) => { output += chunk; });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await eventually(() => (output.includes('all ready: ') ? true : undefined), 'make run to report all ready', 90_000);
  for (const p of catalogue) assert.match(output, new RegExp(`^${p.name} +\\| \\{`, 'm'), `${p.name}'s log lines carry its label`);
  child.kill('SIGTERM');
  assert.is(await exited, 0, output);
  assert.match(output, 'SIGTERM: stopping ');
  assert.equal(ours(), [], 'no process of ours left');
  for (const p of catalogue) assert.type(await readyz(ports.get(p.name) ?? 0), 'string', `${p.name} no longer answers`);
});

test.run();
