// The operator commands as an operator runs them: `make <target>` as a child process,
// output and exit status read as a person would read them. Setup (pnpm install, the
// services, migrations) stays quiet when it works; a failure's last line is its error.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestDatabase } from '@herald/kit/testing';
import { createTestDatabase } from '@herald/kit/testing';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const root = fileURLToPath(new URL('../../../', import.meta.url));
/** A bound for a hung command, so the file ends; not a claim about speed. */
const commandBoundMs = 300_000;
const benchmarks = ['command-api', 'eventstore', 'notifier', 'resume', 'projections', 'scale-out'];
/** Lines that setup prints when it runs loud: pnpm, infra/services.sh, the migrations. */
const setupNoise = /Lockfile|pnpm|services ready|postgresql: |rabbitmq: |redis: |ELIFECYCLE|migrate: /;

let db: TestDatabase;

interface Ran {
  readonly status: number | null;
  /** stdout and stderr as a terminal shows them, one list of lines. */
  readonly lines: string[];
  readonly text: string;
}

function run(command: string, env: Record<string, string> = {}): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', `${command} 2>&1`], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => { text += chunk.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), commandBoundMs);
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({ status, text, lines: text.trimEnd().split('\n') });
    });
  });
}

const lastLine = (ran: Ran) => ran.lines[ran.lines.length - 1] ?? '';

function resultFiles(): Record<string, number> {
  const dir = join(root, 'bench/results');
  return Object.fromEntries(readdirSync(dir).map((f) => [f, statSync(join(dir, f)).mtimeMs]));
}

test.before(async () => {
  db = await createTestDatabase('commands');
});

test.after(async () => {
  await db.drop();
});

test('make bench ARGS=--help lists every benchmark by name and runs none', async () => {
  const before = resultFiles();
  const ran = await run('make bench ARGS=--help');
  assert.is(ran.status, 0, ran.text);
  for (const name of benchmarks) assert.ok(ran.lines.some((line) => line.startsWith(`  ${name}  (`)), `${name} is listed\n${ran.text}`);
  assert.not.ok(ran.lines.some((line) => line.startsWith('== ')), 'no benchmark ran');
  assert.not.match(ran.text, setupNoise, 'help needs no setup');
  assert.equal(resultFiles(), before, 'no report was written');
});

test('make bench ARGS=<not a benchmark> refuses, naming the benchmarks, as its last line', async () => {
  const ran = await run('make bench ARGS=nonsense', { DATABASE_URL: db.url });
  assert.is.not(ran.status, 0);
  assert.match(lastLine(ran), 'bench: no benchmark named nonsense (benchmarks: command-api, eventstore, notifier, resume, routing, projections, scale-out)');
  assert.not.match(ran.text, setupNoise, ran.text);
  const part = await run('make bench ARGS=outbox', { DATABASE_URL: db.url });
  assert.is.not(part.status, 0);
  assert.match(lastLine(part), 'outbox is a part of the projections benchmark, not one of its own: make bench ARGS=projections');
});

test('make replay answers with its plan alone: no package-manager or services lines', async () => {
  const ran = await run("make replay ARGS='--dry-run'", { DATABASE_URL: db.url });
  assert.is(ran.status, 0, ran.text);
  assert.is(ran.lines[0], 'rebuild users, friendships, feeds, posts', ran.text);
  assert.not.match(ran.text, setupNoise, ran.text);
  assert.ok(ran.lines.length <= 7, ran.text);
});

test('make replay with a --from that is not a position fails, and its last line says what a position looks like', async () => {
  const ran = await run("make replay ARGS='--from nonsense --dry-run'", { DATABASE_URL: db.url });
  assert.is.not(ran.status, 0);
  assert.match(lastLine(ran), 'replay: error: option \'--from <position>\' argument \'nonsense\' is invalid. not an event store position: "nonsense" (a position is 16 lowercase hex digits');
  assert.is(ran.lines.length, 1, `the error is the whole answer\n${ran.text}`);
});

test('make herald ARGS=--help answers with herald\'s usage alone, readying nothing', async () => {
  const ran = await run('make herald ARGS=--help');
  assert.is(ran.status, 0, ran.text);
  assert.is(ran.lines[0], 'Usage: herald [options] [command]', ran.text);
  assert.not.match(ran.text, setupNoise, ran.text);
});

test('make herald ends a refusal with herald\'s own error as its last line, named once', async () => {
  const ran = await run("make herald ARGS='events stream post-nobody'", { DATABASE_URL: db.url });
  assert.is.not(ran.status, 0);
  assert.match(lastLine(ran), 'herald: no stream named post-nobody in the log');
  assert.not.match(ran.text, 'herald: herald:');
  assert.not.match(ran.text, setupNoise, ran.text);
});

test("scripts/op.mjs passes a command's output through and keeps its last error line for the end", async () => {
  const script = "console.log('answer'); console.error('detail'); console.error('the error'); process.exit(3)";
  const ran = await run(`node scripts/op.mjs demo -- node -e "${script}"`);
  assert.is(ran.status, 3);
  assert.equal(ran.lines, ['answer', 'detail', 'demo: the error']);
  const ok = await run(`node scripts/op.mjs demo -- node -e "console.error('progress'); console.log('done')"`);
  assert.is(ok.status, 0);
  assert.equal(ok.lines.sort(), ['done', 'progress']);
});

test('make typecheck answers in one line', async () => {
  const ran = await run('make typecheck');
  assert.is(ran.status, 0, ran.text);
  assert.equal(ran.lines, ['typecheck: no type errors']);
});

test.run();
