#!/usr/bin/env node
// Runs every uvu test file in its own process, one at a time, each bounded by a
// timeout, and ends with the one line CI reads: `N passed, N failed, N skipped`.
// A file that fails to load, crashes, or hangs counts as one failure. With --gates the
// type check and the linter run first and count as one test each (scripts/gates.mjs).
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { runGates } from './gates.mjs';

const root = new URL('..', import.meta.url).pathname;
const fileTimeoutMs = Number(process.env.TEST_FILE_TIMEOUT_MS ?? 600_000);
// The whole run's bound: files not started by then count as failed, so CI always gets
// its summary line instead of being killed from outside.
const runTimeoutMs = Number(process.env.TEST_RUN_TIMEOUT_MS ?? 75 * 60_000);
const runDeadline = Date.now() + runTimeoutMs;
const exitGraceMs = 10_000;
const withGates = process.argv.includes('--gates');
const only = process.argv.slice(2).filter((arg) => arg !== '--gates');

function findTests(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) findTests(path, out);
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

function processIsAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

function dropLeftoverTestDatabases() {
  // Databases of killed runs pile up; those named after a live process belong to a run
  // still going (another terminal), so they stay.
  const psql = (args) => spawnSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-d', 'postgres', ...args], { encoding: 'utf8' });
  const list = psql(['-Atc', "SELECT datname FROM pg_database WHERE datname LIKE 'herald\\_t\\_%'"]);
  if (list.status !== 0) return;
  const stale = list.stdout.split('\n').filter((name) => {
    const pid = Number(/^herald_t_(\d+)_/.exec(name)?.[1]);
    return name !== '' && !(pid > 0 && processIsAlive(pid));
  });
  if (stale.length === 0) return;
  psql(['-c', stale.map((name) => `DROP DATABASE IF EXISTS "${name}" WITH (FORCE);`).join('\n')]);
}

function parseSummary(output) {
  const total = /Total:\s+(\d+)/.exec(output);
  const passed = /Passed:\s+(\d+)/.exec(output);
  const skipped = /Skipped:\s+(\d+)/.exec(output);
  if (!total || !passed || !skipped) return undefined;
  return { total: Number(total[1]), passed: Number(passed[1]), skipped: Number(skipped[1]) };
}

function runFile(file) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'node_modules/uvu/bin.js'), '--no-color', relative(root, file).replace(/[^/]+$/, ''), `^${file.split('/').pop().replace(/\./g, '\\.')}$`], {
      cwd: root,
      env: { ...process.env, FORCE_COLOR: '0', NODE_ENV: 'test' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    let verdict;
    const kill = (why) => {
      verdict ??= why;
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
    };
    const budgetMs = Math.min(fileTimeoutMs, Math.max(0, runDeadline - Date.now()));
    const why = budgetMs < fileTimeoutMs ? `stopped: the whole run's ${runTimeoutMs} ms were up` : `timed out after ${fileTimeoutMs} ms`;
    const timer = setTimeout(() => kill(why), budgetMs);
    let graceTimer;
    const onData = (chunk) => {
      output += chunk;
      if (!graceTimer && /Duration:/.test(output)) {
        graceTimer = setTimeout(() => kill(`did not exit within ${exitGraceMs} ms of finishing (an open handle)`), exitGraceMs);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('close', (code) => {
      clearTimeout(timer);
      clearTimeout(graceTimer);
      // Stop any children the test file left behind.
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* none left */ }
      resolve({ file, code, output, verdict, ms: Date.now() - started });
    });
  });
}

const files = ['packages', 'infra'].flatMap((dir) => findTests(join(root, dir)))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

dropLeftoverTestDatabases();

let passed = 0;
let failed = 0;
let skipped = 0;
if (withGates) ({ passed, failed } = await runGates());
for (const file of files) {
  if (Date.now() >= runDeadline) {
    failed += 1;
    console.log(`FAIL ${relative(root, file)} not run: the whole run's ${runTimeoutMs} ms were up`);
    continue;
  }
  const result = await runFile(file);
  const summary = parseSummary(result.output);
  const name = relative(root, file);
  let fileFailed;
  if (!summary) {
    fileFailed = 1;
    result.verdict ??= `could not load or crashed (exit ${result.code})`;
  } else {
    passed += summary.passed;
    skipped += summary.skipped;
    fileFailed = summary.total - summary.passed;
    if (fileFailed === 0 && (result.code !== 0 || result.verdict)) {
      fileFailed = 1;
      result.verdict ??= `exited ${result.code} after its tests passed`;
    }
  }
  failed += fileFailed;
  const counts = summary ? `${summary.passed}/${summary.total} passed, ${summary.skipped} skipped` : 'no summary';
  console.log(`${fileFailed ? 'FAIL' : 'ok  '} ${name} (${counts}, ${(result.ms / 1000).toFixed(1)} s)${result.verdict ? ` ${result.verdict}` : ''}`);
  if (fileFailed || process.env.TEST_VERBOSE) {
    console.log(result.output.split('\n').slice(-80).map((l) => `    ${l}`).join('\n'));
  } else {
    for (const line of result.output.split('\n')) if (line.startsWith('SKIP ')) console.log(`    ${line}`);
  }
}

console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || files.length === 0 ? 1 : 0);
