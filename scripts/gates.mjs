#!/usr/bin/env node
// The static gates `make test` runs before the tests: the type check and the linter.
// scripts/run-tests.mjs counts each as one test; run alone (`node scripts/gates.mjs`)
// they print their own `N passed, N failed, N skipped` and exit non-zero when one fails.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = new URL('..', import.meta.url).pathname;
const gateTimeoutMs = 10 * 60_000;
const shownLines = 200;

export const gates = [
  { name: 'typecheck', args: [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json', '--noEmit', '--pretty', 'false'] },
  { name: 'lint', args: [join(root, 'node_modules/eslint/bin/eslint.js'), '--max-warnings', '0', '.'] },
];

function runGate({ name, args }) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, FORCE_COLOR: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const timer = setTimeout(() => {
      output += `\n${name}: timed out after ${gateTimeoutMs} ms`;
      child.kill('SIGKILL');
    }, gateTimeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ name, passed: code === 0, output: output.trim(), ms: Date.now() - started });
    });
  });
}

/** Runs every gate in turn, prints a line for each (and the output of one that failed), and counts them. */
export async function runGates() {
  let passed = 0;
  let failed = 0;
  for (const gate of gates) {
    const result = await runGate(gate);
    console.log(`${result.passed ? 'ok  ' : 'FAIL'} gate: ${result.name} (${(result.ms / 1000).toFixed(1)} s)`);
    if (result.passed) {
      passed += 1;
    } else {
      failed += 1;
      console.log(result.output.split('\n').slice(-shownLines).map((l) => `    ${l}`).join('\n'));
    }
  }
  return { passed, failed };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { passed, failed } = await runGates();
  console.log(`${passed} passed, ${failed} failed, 0 skipped`);
  process.exit(failed > 0 ? 1 : 0);
}
