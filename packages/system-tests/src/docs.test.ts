// docs/ checked against the code it describes: a setting, error, close code, metric
// or event added or changed in code without its page fails here, naming what to fix.
// The code is met as a user meets it: through the packages' public exports, and the
// running processes' /metrics.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { settings as commandApiSettings, errorTable } from '@herald/command-api';
import { eventCatalogue } from '@herald/contracts';
import { closeCodes, heartbeatTimeoutCloseCode, settings as notifierSettings, refusals } from '@herald/notifier';
import { settings as heraldSettings } from '@herald/ops-cli/settings';
import { settings as projectorSettings } from '@herald/projections';
import { startSystem, type HeraldSystem } from './testing/system.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const doc = (name: string) => readFileSync(join(root, 'docs', name), 'utf8');

/** The markdown table row whose first cell is `name` (in backticks), or undefined. */
function row(page: string, name: string): string | undefined {
  return page.split('\n').find((line) => line.startsWith(`| \`${name}\` |`));
}

test('operations.md lists every setting of every process with its default', () => {
  const page = doc('operations.md');
  const problems: string[] = [];
  for (const [process, settings] of Object.entries({ 'command-api': commandApiSettings, projector: projectorSettings, notifier: notifierSettings, herald: heraldSettings })) {
    for (const [name, setting] of Object.entries(settings)) {
      const line = row(page, name);
      const fallback = setting.fallback === undefined ? 'unset' : `\`${String(setting.fallback)}\``;
      if (!line) problems.push(`${name} (${process}) is missing`);
      else if (!line.includes(process)) problems.push(`${name}: row does not name ${process}`);
      else if (!line.includes(` ${fallback} `)) problems.push(`${name}: default should read ${fallback}`);
    }
  }
  assert.equal(problems, [], 'regenerate the table with `make config-table`');
});

test('api.md has every error of the command API with its status and code', () => {
  const page = doc('api.md');
  const missing = Object.entries(errorTable)
    .filter(([name, entry]) => !page.includes(`| ${entry.status} | ${entry.code} | \`${name}\` |`))
    .map(([name]) => name);
  assert.equal(missing, []);
});

test("api.md has every websocket refusal and close code of the notifier's table", () => {
  const page = doc('api.md');
  const missing: string[] = [];
  for (const refusal of Object.values(refusals)) {
    if (!page.includes(`| ${refusal.status} | \`${refusal.code}\` |`)) missing.push(`refusal ${refusal.code}`);
  }
  for (const close of Object.values(closeCodes)) {
    if (!page.includes(`| ${close.code} | ${close.reason} |`)) missing.push(`close ${close.code} (${close.reason})`);
  }
  if (!page.includes(`| ${heartbeatTimeoutCloseCode} |`)) missing.push(`close ${heartbeatTimeoutCloseCode}`);
  assert.equal(missing, []);
});

test('events.md describes every event type of the catalogue', () => {
  const page = doc('events.md');
  const headings = page.split('\n').filter((line) => line.startsWith('### '));
  const missing = Object.keys(eventCatalogue).filter((type) => !headings.some((h) => new RegExp(`\\b${type}\\b`).test(h)));
  assert.equal(missing, []);
});

/** Every metric the running processes declare on /metrics (prom-client lists each, observed or not). */
async function exportedMetrics(system: HeraldSystem): Promise<Set<string>> {
  const names = new Set<string>();
  for (const p of system.running()) {
    const text = await (await fetch(`http://127.0.0.1:${p.port}/metrics`)).text();
    for (const match of text.matchAll(/^# TYPE (\S+) /gm)) names.add(match[1]!);
  }
  return names;
}

/** A histogram's or summary's series names its metric with a suffix. */
const metricOf = (series: string) => series.replace(/_(bucket|count|sum)$/, '');

test('every metric the docs name is one a running process exports', async () => {
  const system = await startSystem('docs_metrics');
  let exported: Set<string>;
  try {
    exported = await exportedMetrics(system);
  } finally {
    await system.stop();
  }
  const named = new Set<string>();
  for (const page of readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md'))) {
    for (const match of doc(page).matchAll(/`((?:herald|notifier)_[a-z_]+)(?:\{[^}]*\})?`/g)) named.add(match[1]!);
  }
  assert.ok(named.size > 10, 'the docs name the metrics');
  assert.equal([...named].filter((series) => !exported.has(series) && !exported.has(metricOf(series))), []);
});

/** The README and every page under docs/ (docs/reference/ included), as paths from the root. */
function pages(): string[] {
  const found = ['README.md'];
  const walk = (dir: string) => {
    for (const name of readdirSync(join(root, dir))) {
      const path = join(dir, name);
      if (statSync(join(root, path)).isDirectory()) walk(path);
      else if (name.endsWith('.md')) found.push(path);
    }
  };
  walk('docs');
  return found;
}

/** Markdown text without its fenced code blocks (their brackets are code, not links). */
const prose = (text: string) => text.replace(/^```[\s\S]*?^```/gm, '');

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens. */
function anchor(heading: string): string {
  return heading.trim().toLowerCase().replace(/[`*_]/g, '').replace(/[^\p{L}\p{N} -]/gu, '').replace(/ /g, '-');
}

function anchorsOf(file: string): Set<string> {
  const headings = prose(readFileSync(join(root, file), 'utf8')).split('\n').filter((line) => /^#{1,6} /.test(line));
  return new Set(headings.map((line) => anchor(line.replace(/^#+ /, ''))));
}

test('every relative link in README.md and docs/ resolves inside the repository, anchors included', () => {
  const broken: string[] = [];
  let checked = 0;
  for (const page of pages()) {
    for (const match of prose(readFileSync(join(root, page), 'utf8')).matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = match[1]!;
      if (/^[a-z]+:/i.test(target)) continue;
      checked += 1;
      const [path = '', fragment] = target.split('#');
      const file = path === '' ? join(root, page) : join(root, dirname(page), path);
      if (relative(root, file).startsWith('..')) broken.push(`${page}: ${target} leaves the repository`);
      else if (!existsSync(file)) broken.push(`${page}: ${target} does not exist`);
      else if (fragment && (!file.endsWith('.md') || !anchorsOf(relative(root, file)).has(fragment))) broken.push(`${page}: ${target} has no heading #${fragment}`);
    }
  }
  assert.ok(checked > 10, `the docs link to each other (${checked} links)`);
  assert.equal(broken, []);
});

test('no doc points at files outside the repository', () => {
  const outside = pages().filter((page) => /\/work\/|shared\/reference/.test(readFileSync(join(root, page), 'utf8')));
  assert.equal(outside, []);
});

test("the OTUS documents are kept in docs/reference, and the README names where they are", () => {
  for (const file of ['openapi-otus.json', 'asyncapi-otus.json']) assert.ok(existsSync(join(root, 'docs/reference', file)), file);
  assert.match(readFileSync(join(root, 'README.md'), 'utf8'), 'docs/reference/');
});

test.run();
