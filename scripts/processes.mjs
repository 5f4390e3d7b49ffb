#!/usr/bin/env node
// Starts and stops Herald's processes for `make run`, `make up` and `make down`.
//
//   node scripts/processes.mjs run      foreground, labelled logs; Ctrl-C / SIGTERM stops them all
//   node scripts/processes.mjs up       background, logs and pids in .run/; returns once all answer /readyz
//   node scripts/processes.mjs down     stops what `up` started, and checks nothing is left
//   node scripts/processes.mjs status   what runs, and whether it is ready
//
// Each runs in its own process group, so stopping it also stops anything it spawned.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const root = new URL('..', import.meta.url).pathname;
// HERALD_RUN_DIR lets a test keep its pids and logs apart from a developer's `make up`.
const runDir = process.env.HERALD_RUN_DIR ?? join(root, '.run');
const readyTimeoutMs = Number(process.env.UP_TIMEOUT_MS ?? 90_000);
const stopGraceMs = Number(process.env.STOP_GRACE_MS ?? 15_000);

const catalogue = [
  { name: 'command-api', pkg: 'command-api', portVar: 'HTTP_PORT', port: 8080 },
  { name: 'projector', pkg: 'projections', portVar: 'PROJECTOR_PORT', port: 8070 },
  { name: 'notifier', pkg: 'notifier', portVar: 'NOTIFIER_PORT', port: 8090 },
];

const processes = catalogue.map((p) => ({ ...p, main: join('packages', p.pkg, 'src/main.ts'), port: Number(process.env[p.portVar] ?? p.port) }));

const pidFile = (p) => join(runDir, `${p.name}.pid`);
const logFile = (p) => join(runDir, `${p.name}.log`);
const readyzUrl = (p) => `http://127.0.0.1:${p.port}/readyz`;

function startProcess(p, stdio) {
  return spawn(process.execPath, ['--import', 'tsx', p.main], { cwd: root, env: process.env, stdio, detached: true });
}

/** Live (non-zombie) members of a process group, read from /proc. */
function groupMembers(pgid) {
  const members = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat;
    try { stat = readFileSync(`/proc/${entry}/stat`, 'utf8'); } catch { continue; }
    // Fields after the command name (which may hold spaces): state ppid pgrp ...
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z') members.push(Number(entry));
  }
  return members;
}

function signalGroup(pgid, signal) {
  try { process.kill(-pgid, signal); } catch { /* already gone */ }
}

/** SIGTERM to the group, SIGKILL after the grace period; true when nothing of it is left. */
async function stopGroup(pgid, label) {
  signalGroup(pgid, 'SIGTERM');
  const deadline = Date.now() + stopGraceMs;
  while (groupMembers(pgid).length > 0 && Date.now() < deadline) await sleep(100);
  if (groupMembers(pgid).length > 0) {
    console.log(`${label}: still running ${stopGraceMs} ms after SIGTERM, killing`);
    signalGroup(pgid, 'SIGKILL');
    const killDeadline = Date.now() + 5000;
    while (groupMembers(pgid).length > 0 && Date.now() < killDeadline) await sleep(100);
  }
  return groupMembers(pgid).length === 0;
}

async function answersReady(p) {
  try {
    const response = await fetch(readyzUrl(p), { signal: AbortSignal.timeout(2000) });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    return false;
  }
}

/** Resolves when every process answers /readyz; rejects naming the first that exited or timed out. */
async function waitReady(entries) {
  const deadline = Date.now() + readyTimeoutMs;
  const pending = new Set(entries);
  while (pending.size > 0) {
    for (const entry of [...pending]) {
      if (entry.exited()) throw Object.assign(new Error(`${entry.p.name} exited before it was ready`), { entry });
      if (await answersReady(entry.p)) {
        console.log(`${entry.p.name}: ready on :${entry.p.port}`);
        pending.delete(entry);
      }
    }
    if (pending.size === 0) break;
    if (Date.now() > deadline) {
      const [entry] = pending;
      throw Object.assign(new Error(`${entry.p.name} did not answer ${readyzUrl(entry.p)} within ${readyTimeoutMs} ms`), { entry });
    }
    await sleep(250);
  }
}

/** Foreground: every line a process logs, prefixed with its name; a signal stops them all. */
async function run() {
  const width = Math.max(...processes.map((p) => p.name.length));
  const colour = (i, text) => (process.stdout.isTTY ? `\x1b[${[36, 35, 33][i % 3]}m${text}\x1b[0m` : text);
  let stopping = false;
  const entries = [];
  const stopAll = async (why, code) => {
    if (stopping) return;
    stopping = true;
    console.log(`${why}: stopping ${entries.map((e) => e.p.name).join(', ')}`);
    const results = await Promise.all(entries.map((e) => stopGroup(e.pid, e.p.name)));
    process.exit(results.every(Boolean) ? code : 1);
  };
  processes.forEach((p, i) => {
    const child = startProcess(p, ['ignore', 'pipe', 'pipe']);
    const label = colour(i, `${p.name.padEnd(width)} |`);
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => process.stdout.write(`${label} ${line}\n`));
    }
    let exited = false;
    child.on('exit', (code, signal) => {
      exited = true;
      if (!stopping) stopAll(`${p.name} exited (${signal ?? `code ${code}`})`, 1);
    });
    entries.push({ p, pid: child.pid, exited: () => exited });
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => stopAll(signal, 0));
  try {
    await waitReady(entries);
    console.log(`all ready: ${processes.map((p) => `${p.name} :${p.port}`).join(', ')} (Ctrl-C stops them)`);
  } catch (error) {
    await stopAll(`make run failed: ${error.message}`, 1);
  }
}

async function up() {
  mkdirSync(runDir, { recursive: true });
  const entries = [];
  for (const p of processes) {
    const running = readPid(p);
    if (running !== undefined && groupMembers(running).length > 0) {
      console.log(`${p.name}: already running (pid ${running})`);
      entries.push({ p, pid: running, started: false, exited: () => groupMembers(running).length === 0 });
      continue;
    }
    const log = openSync(logFile(p), 'w');
    const child = startProcess(p, ['ignore', log, log]);
    let exited = false;
    child.on('exit', () => { exited = true; });
    child.unref();
    writeFileSync(pidFile(p), `${child.pid}\n`);
    console.log(`${p.name}: started (pid ${child.pid}, log ${relative(root, logFile(p))})`);
    entries.push({ p, pid: child.pid, started: true, exited: () => exited });
  }
  const abort = async (reason) => {
    console.error(reason);
    for (const e of entries) if (e.started && await stopGroup(e.pid, e.p.name)) rmSync(pidFile(e.p), { force: true });
    process.exit(1);
  };
  process.once('SIGINT', () => abort('interrupted: stopping what was started'));
  process.once('SIGTERM', () => abort('terminated: stopping what was started'));
  try {
    await waitReady(entries);
  } catch (error) {
    const tail = existsSync(logFile(error.entry.p)) ? readFileSync(logFile(error.entry.p), 'utf8').trimEnd().split('\n').slice(-40) : [];
    await abort(`make up failed: ${error.message}\n--- last lines of ${relative(root, logFile(error.entry.p))} ---\n${tail.join('\n')}\n--- stopping what was started`);
  }
  console.log(`all ready: ${processes.map((p) => `${p.name} :${p.port}`).join(', ')} (make down stops them)`);
  process.exit(0);
}

function readPid(p) {
  try { return Number(readFileSync(pidFile(p), 'utf8').trim()) || undefined; } catch { return undefined; }
}

async function down() {
  const names = existsSync(runDir) ? readdirSync(runDir).filter((f) => f.endsWith('.pid')).map((f) => f.slice(0, -4)) : [];
  if (names.length === 0) console.log('nothing to stop (no .run/*.pid)');
  let left = 0;
  for (const name of names) {
    const pid = readPid({ name });
    if (pid === undefined || groupMembers(pid).length === 0) {
      console.log(`${name}: not running`);
    } else if (await stopGroup(pid, name)) {
      console.log(`${name}: stopped (pid ${pid})`);
    } else {
      console.error(`${name}: could not be stopped, still running: ${groupMembers(pid).join(' ')}`);
      left += 1;
      continue;
    }
    rmSync(join(runDir, `${name}.pid`), { force: true });
  }
  process.exit(left > 0 ? 1 : 0);
}

async function status() {
  for (const p of processes) {
    const pid = readPid(p);
    const alive = pid !== undefined && groupMembers(pid).length > 0;
    console.log(`${p.name}: ${alive ? `running (pid ${pid})` : 'not running'}, ${(await answersReady(p)) ? 'ready' : 'not ready'} on :${p.port}`);
  }
}

const commands = { run, up, down, status };
const command = commands[process.argv[2] ?? ''];
if (!command) {
  console.error('usage: node scripts/processes.mjs run|up|down|status');
  process.exit(2);
}
await command();
