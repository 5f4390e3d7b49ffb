#!/usr/bin/env node
// One table across every bench/results/*.json (written by @herald/kit/bench's
// writeBenchReport): benchmark, figure, value, offered, baseline, ratio, target, met. A
// rate's value is what was achieved; offered is the rate asked for (open loop), the
// closed loop's words, or `not recorded` for a report written before rates said.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const resultsDir = new URL('../bench/results/', import.meta.url).pathname;
const files = existsSync(resultsDir) ? readdirSync(resultsDir).filter((f) => f.endsWith('.json')).sort() : [];
if (files.length === 0) {
  console.log('no benchmark results in bench/results/ yet');
  process.exit(0);
}

const isRate = (f) => typeof f.unit === 'string' && f.unit.endsWith('/s');
function offered(f) {
  if (typeof f.offered === 'number') return `${format(f.offered)} ${f.unit}`;
  return f.offered ?? (isRate(f) ? 'not recorded' : '-');
}

function format(value) {
  if (typeof value !== 'number' || Number.isNaN(value)) return '-';
  return Math.abs(value) >= 100 || Number.isInteger(value) ? Math.round(value).toLocaleString('en-US') : value.toFixed(2);
}

const rows = [];
const unreadable = [];
for (const file of files) {
  let report;
  try {
    report = JSON.parse(readFileSync(join(resultsDir, file), 'utf8'));
  } catch (error) {
    unreadable.push(`${file}: ${error.message}`);
    continue;
  }
  for (const f of report.summary ?? []) {
    rows.push([
      report.benchmark ?? file.replace(/\.json$/, ''),
      f.figure,
      `${format(f.value)} ${f.unit ?? ''}`.trim(),
      offered(f),
      f.baseline === undefined ? '-' : `${format(f.baseline)} ${f.unit ?? ''}`.trim(),
      f.baseline ? `${(f.value / f.baseline).toFixed(2)}x` : '-',
      f.target ?? '-',
      f.met === undefined ? '' : f.met ? 'met' : 'NOT met',
      (report.measuredAt ?? '').slice(0, 16).replace('T', ' '),
      report.machine?.loadAverageBefore ? `${report.machine.loadAverageBefore[0]}${report.machine.busy ? ' busy' : ''}` : '?',
    ]);
  }
}

const header = ['benchmark', 'figure', 'value', 'offered', 'baseline', 'ratio', 'target', '', 'measured (UTC)', 'load before'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
console.log(`\nbenchmark summary (bench/results/*.json)\n${line(header)}\n${line(widths.map((w) => '-'.repeat(w)))}`);
for (const row of rows) console.log(line(row));
const notMet = rows.filter((r) => r[7] === 'NOT met').length;
console.log(`\n${rows.length} figures from ${files.length - unreadable.length} reports${notMet ? `, ${notMet} NOT meeting their target` : ''}`);
for (const u of unreadable) console.log(`unreadable: ${u}`);
