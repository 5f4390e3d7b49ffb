// docs/ checked against the code it describes: a setting, error, close code, metric
// or event added or changed in code without its page fails here, naming what to fix.
// (The packages are read by path: they depend on this one, not the other way round.)
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { settings as commandApiSettings } from '../../command-api/src/settings.js';
import { errorTable } from '../../command-api/src/errors.js';
import { eventCatalogue } from '../../contracts/src/events/catalogue.js';
import { closeCodes, heartbeatTimeoutCloseCode, refusals } from '../../notifier/src/codes.js';
import { settings as notifierSettings } from '../../notifier/src/settings.js';
import { settings as projectorSettings } from '../../projections/src/settings.js';
import { settings as heraldSettings } from '../../cli/src/settings.js';

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

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sources(path, out);
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) out.push(readFileSync(path, 'utf8'));
  }
  return out;
}

test('every metric the docs name is one a process exports', () => {
  const code = sources(join(root, 'packages')).join('\n');
  const named = new Set<string>();
  for (const page of readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md'))) {
    for (const match of doc(page).matchAll(/`((?:herald|notifier)_[a-z_]+)(?:\{[^}]*\})?`/g)) named.add(match[1]!);
  }
  assert.ok(named.size > 10, 'the docs name the metrics');
  assert.equal([...named].filter((metric) => !code.includes(`'${metric}'`)), []);
});

test.run();
