#!/usr/bin/env node
// `make bench`: runs Herald's benchmarks, each bounded by BENCH_TIMEOUT, then prints one
// table across bench/results/*.json.
//
//   node scripts/bench.mjs              every benchmark, then the table
//   node scripts/bench.mjs notifier     one (or several) by name, then the table
//   node scripts/bench.mjs --help       the list of benchmarks; runs nothing
//
// A benchmark is a packages/*/bench/<name>.ts that writes a report (writeBenchReport);
// the other files there are its parts and helpers, not run on their own.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const timeout = process.env.BENCH_TIMEOUT ?? '30m';

function benchFiles() {
  const packages = join(root, 'packages');
  return readdirSync(packages).sort().flatMap((pkg) => {
    const dir = join(packages, pkg, 'bench');
    if (!existsSync(dir)) return [];
    return readdirSync(dir).filter((f) => f.endsWith('.ts')).sort().map((f) => {
      const text = readFileSync(join(dir, f), 'utf8');
      return { name: basename(f, '.ts'), pkg, path: join('packages', pkg, 'bench', f), text, reports: text.includes('writeBenchReport') };
    });
  });
}

/** The first sentence of a file's leading comment. */
function summary(text) {
  const comment = /^\s*(?:\/\*\*?([\s\S]*?)\*\/|((?:\/\/[^\n]*\n)+))/.exec(text);
  const body = (comment?.[1] ?? comment?.[2] ?? '').replace(/^\s*(\*|\/\/) ?/gm, '').replace(/\s+/g, ' ').trim();
  const sentence = /^(.*?\.)(\s|$)/.exec(body)?.[1] ?? body;
  return sentence || '(no description in the file)';
}

/** `text` in lines of at most `width` characters, each after `indent`. */
function wrap(text, indent, width = 92) {
  const lines = [''];
  for (const word of text.split(' ')) {
    const current = lines[lines.length - 1];
    if (current !== '' && indent.length + current.length + 1 + word.length > width) lines.push(word);
    else lines[lines.length - 1] = current === '' ? word : `${current} ${word}`;
  }
  return lines.map((line) => `${indent}${line}`).join('\n');
}

const files = benchFiles();
const benchmarks = files.filter((f) => f.reports);
const args = process.argv.slice(2);

if (args.includes('--help') || args.includes('-h')) {
  console.log('usage: make bench [ARGS="<name> ..."]   (BENCH_FULL=1 for full sizes, BENCH_TIMEOUT per benchmark, default 30m)\n');
  console.log('benchmarks:');
  for (const b of benchmarks) console.log(`  ${b.name}  (${b.path})\n${wrap(summary(b.text), '      ')}`);
  console.log('\nWith no name, every benchmark runs (about a quarter of an hour at default sizes), then one table across bench/results/*.json.');
  process.exit(0);
}

const unknownFlags = args.filter((a) => a.startsWith('-'));
if (unknownFlags.length) {
  console.error(`unknown option ${unknownFlags.join(', ')}: make bench ARGS=--help lists the benchmarks`);
  process.exit(2);
}

function resolveName(name) {
  const found = benchmarks.find((b) => b.name === name);
  if (found) return found;
  const part = files.find((f) => f.name === name);
  if (part) {
    const owners = benchmarks.filter((b) => b.pkg === part.pkg).map((b) => b.name);
    throw new Error(`${name} is a part of the ${owners.join(', ')} benchmark, not one of its own: make bench ARGS=${owners[0]}`);
  }
  throw new Error(`no benchmark named ${name} (benchmarks: ${benchmarks.map((b) => b.name).join(', ')})`);
}

let chosen;
try {
  chosen = args.length ? args.map(resolveName) : benchmarks;
} catch (error) {
  console.error(error.message);
  process.exit(2);
}

const failed = [];
for (const b of chosen) {
  console.log(`== ${b.name} (${b.path})`);
  const run = spawnSync('timeout', ['--kill-after=30s', timeout, process.execPath, '--import', 'tsx', b.path], { cwd: root, stdio: 'inherit' });
  if (run.status !== 0) failed.push(run.status === 124 ? `${b.name} (did not finish within ${timeout})` : `${b.name} (exit ${run.status ?? run.signal})`);
}
spawnSync(process.execPath, [join(root, 'scripts/bench-summary.mjs')], { cwd: root, stdio: 'inherit' });
if (failed.length) {
  console.error(`failed: ${failed.join(', ')}`);
  process.exit(1);
}
