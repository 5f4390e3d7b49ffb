import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One line of a benchmark's table: a figure, beside its raw baseline when it has one. */
export interface BenchFigure {
  /** Dotted path into the results object, e.g. `append32.eventsPerSec`. */
  readonly figure: string;
  readonly value: number;
  readonly unit: string;
  readonly baseline?: number;
  /**
   * For a rate (a unit per second): what was offered, beside the value achieved. A number
   * (in the figure's unit) for an open-loop run at a set rate; words for a closed loop
   * that takes as much as it gets (`closed loop, 32 connections`). A rate without it
   * shows `not recorded` in the tables.
   */
  readonly offered?: number | string;
  /** The issue's target in words, e.g. `>= 0.7 x baseline` or `<= 10 ms`. */
  readonly target?: string;
  /** Whether the target was met; absent when there is no target. */
  readonly met?: boolean;
}

export interface BenchReport {
  readonly benchmark: string;
  readonly measuredAt: string;
  readonly machine: {
    readonly cpus: number; readonly cpuModel: string; readonly memoryGiB: number; readonly node: string;
    /** The 1, 5 and 15 minute load averages when the benchmark process started. */
    readonly loadAverageBefore: readonly number[];
    /** True when the 1-minute load before the run was above `busyLoad`: no target is called met. */
    readonly busy: boolean;
  };
  /** Nested figures, e.g. `{ append32: { eventsPerSec, baselineEventsPerSec, p99Ms } }`. */
  readonly results: Record<string, Record<string, number>>;
  readonly summary: readonly BenchFigure[];
}

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * Read when a benchmark imports this module, before it starts its work: a figure taken
 * on a machine already busy (more than 1.5 runnable processes on average over the last
 * minute, on 2 CPUs) is no result.
 */
const loadAverageBefore = loadavg().map((l) => Math.round(l * 100) / 100);
export const busyLoad = 0.75 * cpus().length;

/** BENCH_FULL=1: the issue's sizes; otherwise a benchmark's default, small size. */
export const fullSize = process.env.BENCH_FULL === '1';

/**
 * One size of a benchmark: the environment variable `name` when set (a number of at
 * least 0, or the run stops naming it), else `full` at BENCH_FULL=1, else `small`.
 */
export function benchSize(name: string, small: number, full = small, env: NodeJS.ProcessEnv = process.env): number {
  const set = env[name];
  if (set === undefined || set === '') return env.BENCH_FULL === '1' ? full : small;
  const value = Number(set);
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a number of at least 0, not ${JSON.stringify(set)}`);
  return value;
}

/** Prints the load the run starts at, so a reader of the log sees it too. */
export function announceLoad(name: string): void {
  const busy = (loadAverageBefore[0] ?? 0) > busyLoad;
  console.log(`${name}: load average before the run ${loadAverageBefore.join(' ')}${busy ? ` (above ${busyLoad}: figures will not count as met; rerun on a quiet machine)` : ''}`);
}

/** Percentile of a sample (nearest rank), for latencies in ms. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

function format(value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return '-';
  return Math.abs(value) >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(2);
}

/** Whether a figure is a rate, and so must say what was offered. */
export function isRate(figure: Pick<BenchFigure, 'unit'>): boolean {
  return figure.unit.endsWith('/s');
}

/** The offered column: the offered rate, the closed loop's words, `not recorded` for a rate without, `-` for any other figure. */
export function offeredText(figure: Pick<BenchFigure, 'unit' | 'offered'>): string {
  if (typeof figure.offered === 'number') return `${format(figure.offered)} ${figure.unit}`;
  return figure.offered ?? (isRate(figure) ? 'not recorded' : '-');
}

/** The table printed to the terminal: figure, value achieved, offered, baseline, ratio, target. */
export function formatTable(figures: readonly BenchFigure[]): string {
  const rows = figures.map((f) => [
    f.figure,
    `${format(f.value)} ${f.unit}`,
    offeredText(f),
    f.baseline === undefined ? '-' : `${format(f.baseline)} ${f.unit}`,
    f.baseline ? `${(f.value / f.baseline).toFixed(2)}x` : '-',
    f.target ?? '-',
    f.met === undefined ? '' : f.met ? 'met' : 'NOT met',
  ]);
  const header = ['figure', 'value', 'offered', 'baseline', 'ratio', 'target', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/**
 * Prints the table and writes `bench/results/<benchmark>.json`; returns the file's path.
 * `table` is printed in place of the figures' table, for a benchmark whose own reads better (the fault suite's).
 */
export function writeBenchReport(benchmark: string, results: BenchReport['results'], summary: readonly BenchFigure[], table?: string): string {
  const busy = (loadAverageBefore[0] ?? 0) > busyLoad;
  const report: BenchReport = {
    benchmark,
    measuredAt: new Date().toISOString(),
    machine: {
      cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version,
      loadAverageBefore, busy,
    },
    results,
    // A busy machine's figure is reported, never called met.
    summary: busy ? summary.map((f) => (f.met ? { ...f, met: false, target: `${f.target ?? ''} (machine busy: rerun)` } : f)) : summary,
  };
  const path = join(repoRoot, 'bench/results', `${benchmark}.json`);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\n${benchmark} (load before ${loadAverageBefore.join(' ')}${busy ? ', BUSY' : ''})\n${table ?? formatTable(report.summary)}\n\nwritten to ${path}`);
  return path;
}

/** Progress for kit's inPool: prints `what: done/count` every tenth of the way. */
export function progress(what: string, count: number): (done: number) => void {
  const step = Math.max(1, Math.floor(count / 10));
  return (done) => {
    if (done % step === 0 || done === count) console.log(`  ${what}: ${done}/${count}`);
  };
}

/**
 * For a run of some of a benchmark's parts: the other parts' results and summary rows
 * from its last report (each part's results record the load it was measured at), so the
 * report stays whole. A part is a top-level key of `results`; its rows start with `<key>.`.
 */
export function withEarlierParts(benchmark: string, results: BenchReport['results'], summary: readonly BenchFigure[]): { results: BenchReport['results']; summary: BenchFigure[] } {
  const path = join(repoRoot, 'bench/results', `${benchmark}.json`);
  if (!existsSync(path)) return { results, summary: [...summary] };
  const earlier = JSON.parse(readFileSync(path, 'utf8')) as BenchReport;
  const fresh = new Set(Object.keys(results));
  const kept = Object.fromEntries(Object.entries(earlier.results).filter(([key]) => !fresh.has(key)));
  const keptRows = earlier.summary.filter((row) => !fresh.has(row.figure.split('.')[0] ?? ''));
  return { results: { ...kept, ...results }, summary: [...keptRows, ...summary] };
}
