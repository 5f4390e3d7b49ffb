#!/usr/bin/env node
// Runs an operator command (make replay, bench, migrate, up, ...) so that it prints its
// own answer and nothing else:
//
//   node scripts/op.mjs <name> [--setup deps,services,migrate] [--error-file <path>] [-- command args...]
//
// Setup steps run first, quietly: their output (pnpm install, the services' readiness,
// migrations) is shown only when a step fails, followed by one line saying which. A
// --help among the command's arguments asks for no setup. The command's stdout passes
// straight through; its stderr too, except its last line, held back: when the command
// fails, that line is its error. With --error-file, a failure writes that one line to
// the file and exits 0, so that make raises it as the very last line (see the Makefile;
// make would otherwise print its own "*** Error" line under it). Without, the error is
// printed last and the exit status is the command's.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const pnpmVersion = process.env.PNPM_VERSION ?? '12.4.2';
const migrations = ['packages/eventstore/src/cli/migrate.ts', 'packages/projections/src/cli/migrate.ts'];

const steps = {
  deps: {
    what: 'installing the dependencies (pnpm install --frozen-lockfile)',
    script: `command -v pnpm >/dev/null || npm i -g pnpm@${pnpmVersion}; pnpm install --frozen-lockfile`,
  },
  services: { what: 'readying PostgreSQL, Redis and RabbitMQ (bash infra/services.sh)', script: 'bash infra/services.sh' },
  migrate: {
    what: 'migrating the databases (make migrate)',
    script: migrations.map((m) => `node --import tsx ${m}`).join(' && '),
  },
};

function parse(argv) {
  const [name, ...rest] = argv;
  const split = rest.indexOf('--');
  const own = split === -1 ? rest : rest.slice(0, split);
  const command = split === -1 ? [] : rest.slice(split + 1);
  const option = (flag) => {
    const at = own.indexOf(flag);
    return at === -1 ? undefined : own[at + 1];
  };
  const setup = (option('--setup') ?? '').split(',').filter(Boolean);
  const unknown = setup.filter((s) => !(s in steps));
  if (!name || unknown.length) {
    console.error(`op: usage: op.mjs <name> [--setup ${Object.keys(steps).join(',')}] [--error-file <path>] [-- command...]${unknown.length ? ` (no step ${unknown.join(', ')})` : ''}`);
    process.exit(2);
  }
  return { name, setup, errorFile: option('--error-file'), command };
}

const { name, setup, errorFile, command } = parse(process.argv.slice(2));

/** Ends the operator command with `line` as its error (named once: `herald: ...` stays as it is for make herald). */
function failWith(line, status = 1) {
  const text = line.replace(/^\s+|\s+$/g, '');
  const error = text.startsWith(`${name}: `) ? text : `${name}: ${text}`;
  if (errorFile) {
    mkdirSync(dirname(errorFile), { recursive: true });
    writeFileSync(errorFile, error);
    process.exit(0);
  }
  console.error(error);
  process.exit(status);
}

/** Runs each setup step with its output kept; shows it only if the step fails. */
function runSetup() {
  for (const step of setup) {
    const { what, script } = steps[step];
    const result = spawnSync('bash', ['-c', `${script} 2>&1`], { cwd: root, encoding: 'utf8', env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    if (result.status !== 0) {
      process.stderr.write(result.stdout + result.stderr);
      failWith(`${what} failed (its output is above)`);
    }
  }
}

/** Runs the command; resolves with its exit status and its last line on stderr (held back). */
function runCommand() {
  return new Promise((resolve) => {
    const child = spawn(command[0], command.slice(1), { cwd: root, env: process.env, stdio: ['inherit', 'inherit', 'pipe'] });
    let partial = '';
    let held = null;
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (held !== null) process.stderr.write(`${held}\n`);
        held = line;
      }
    });
    // Ctrl-C reaches the whole process group: the command decides how to stop, and
    // this wrapper stays to report how it ended.
    for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => {});
    child.once('error', (error) => resolve({ status: 127, last: `cannot run ${command[0]}: ${error.message}` }));
    child.once('close', (code, signal) => {
      const last = partial !== '' ? partial : held ?? '';
      if (partial !== '' && held !== null) process.stderr.write(`${held}\n`);
      resolve({ status: code ?? (signal ? 128 : 1), last, signal });
    });
  });
}

const wantsHelp = command.some((arg) => arg === '--help' || arg === '-h');
if (!wantsHelp) runSetup();
if (command.length === 0) process.exit(0);
const { status, last, signal } = await runCommand();
if (status === 0) {
  if (last !== '') process.stderr.write(`${last}\n`);
  process.exit(0);
}
failWith(last.trim() !== '' ? last : `${command.join(' ')} ${signal ? `stopped by ${signal}` : `failed (exit ${status})`}`, status);
