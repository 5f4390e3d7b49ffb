import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { benchSize, formatTable } from './bench.js';

const rowOf = (table: string, figure: string) => table.split('\n').find((line) => line.startsWith(figure)) ?? '';

test('a rate shows what was offered beside what was achieved: 134 posts/s of 1,000 offered is not "ran 1000/s"', () => {
  const table = formatTable([
    { figure: 'open.postsPerSec', value: 134, unit: 'posts/s', offered: 1000 },
    { figure: 'closed.reqPerSec', value: 2322, unit: 'req/s', offered: 'closed loop, 32 connections' },
    { figure: 'latency.p99Ms', value: 3, unit: 'ms' },
  ]);
  assert.match(table.split('\n')[0] ?? '', /figure\s+value\s+offered/);
  assert.match(rowOf(table, 'open.postsPerSec'), /134 posts\/s\s+1,000 posts\/s/);
  assert.match(rowOf(table, 'closed.reqPerSec'), /2,322 req\/s\s+closed loop, 32 connections/);
  assert.match(rowOf(table, 'latency.p99Ms'), /3\.00 ms\s+-/);
});

test('a rate that does not say what was offered is shown as such, not passed over', () => {
  assert.match(rowOf(formatTable([{ figure: 'x.perSec', value: 5, unit: 'events/s' }]), 'x.perSec'), 'not recorded');
});

test('a size is the variable when set, else the full size at BENCH_FULL=1, else the small one; a size that is not a number stops the run naming it', () => {
  assert.is(benchSize('BENCH_X', 10, 1000, {}), 10);
  assert.is(benchSize('BENCH_X', 10, 1000, { BENCH_FULL: '1' }), 1000);
  assert.is(benchSize('BENCH_X', 10, 1000, { BENCH_FULL: '1', BENCH_X: '42' }), 42);
  assert.is(benchSize('BENCH_X', 10, undefined, { BENCH_FULL: '1' }), 10);
  assert.throws(() => benchSize('BENCH_X', 10, 1000, { BENCH_X: 'lots' }), /BENCH_X must be a number of at least 0, not "lots"/);
  assert.throws(() => benchSize('BENCH_X', 10, 1000, { BENCH_X: '-5' }), /BENCH_X must be a number/);
});

test.run();
