import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Backoff, retry, sleep } from './retry.js';

const delays = (backoff: Backoff, n: number) => Array.from({ length: n }, () => backoff.next());

test('backoff doubles from firstMs and stays at maxMs', () => {
  assert.equal(delays(new Backoff({ firstMs: 100, maxMs: 5000 }), 8), [100, 200, 400, 800, 1600, 3200, 5000, 5000]);
});

test('reset after progress: the next failure waits firstMs again', () => {
  const backoff = new Backoff({ firstMs: 100, maxMs: 5000 });
  delays(backoff, 5);
  backoff.reset();
  assert.equal(delays(backoff, 2), [100, 200]);
});

test('a long run of failures never overflows past maxMs', () => {
  const backoff = new Backoff({ firstMs: 1, maxMs: 30_000 });
  const last = delays(backoff, 5000).at(-1);
  assert.is(last, 30_000);
});

test('jitter takes at most its share off each delay', () => {
  const lowest = new Backoff({ firstMs: 100, maxMs: 1000, jitter: 0.5, random: () => 0.999999 });
  const highest = new Backoff({ firstMs: 100, maxMs: 1000, jitter: 0.5, random: () => 0 });
  assert.equal(delays(lowest, 5), [50, 100, 200, 400, 500]);
  assert.equal(delays(highest, 5), [100, 200, 400, 800, 1000]);
  const full = new Backoff({ firstMs: 100, maxMs: 1000, jitter: 1, random: () => 0.75 });
  assert.equal(delays(full, 3), [25, 50, 100]);
});

test('jittered delays spread over the range with the real random source', () => {
  const seen = new Set(delays(new Backoff({ firstMs: 1000, maxMs: 1000, jitter: 0.5 }), 200));
  assert.ok(seen.size > 20, `only ${seen.size} distinct delays`);
  for (const d of seen) assert.ok(d >= 500 && d <= 1000, `delay ${d} outside [500, 1000]`);
});

test('a maxMs below firstMs caps every delay, the first included (settings set apart cannot crash a process)', () => {
  assert.equal(delays(new Backoff({ firstMs: 60_000, maxMs: 10 }), 3), [10, 10, 10]);
});

test('settings that cannot make sense are refused', () => {
  assert.throws(() => new Backoff({ firstMs: -1, maxMs: 50 }), /at least 0/);
  assert.throws(() => new Backoff({ firstMs: 1, maxMs: Number.NaN }), /at least 0/);
  assert.throws(() => new Backoff({ firstMs: 1, maxMs: 50, jitter: 2 }), /jitter in \[0, 1\]/);
});

test('sleep waits, and an abort cuts it short without rejecting', async () => {
  let started = Date.now();
  await sleep(30);
  assert.ok(Date.now() - started >= 25);
  const abort = new AbortController();
  started = Date.now();
  setTimeout(() => abort.abort(), 10);
  await sleep(10_000, abort.signal);
  assert.ok(Date.now() - started < 5000);
  await sleep(10_000, abort.signal); // already aborted: at once
});

class Conflict extends Error {}

test('retry runs again on a failure it is told to retry, and answers the success', async () => {
  const seen: number[] = [];
  const answer = await retry(async (n) => {
    seen.push(n);
    if (n < 3) throw new Conflict('lost a race');
    return 'done';
  }, { attempts: 5, retryOn: (e) => e instanceof Conflict, backoff: { firstMs: 1, maxMs: 2 } });
  assert.is(answer, 'done');
  assert.equal(seen, [1, 2, 3]);
});

test('retry throws the last failure once the attempts are used up', async () => {
  let calls = 0;
  const failure = await retry(async () => {
    calls += 1;
    throw new Conflict(`attempt ${calls}`);
  }, { attempts: 3, retryOn: () => true, backoff: { firstMs: 1, maxMs: 1 } }).catch((e: unknown) => e);
  assert.instance(failure, Conflict);
  assert.is((failure as Error).message, 'attempt 3');
  assert.is(calls, 3);
});

test('retry throws any other failure at once', async () => {
  let calls = 0;
  const failure = await retry(async () => {
    calls += 1;
    throw new TypeError('a bug');
  }, { attempts: 5, retryOn: (e) => e instanceof Conflict, backoff: { firstMs: 1, maxMs: 1 } }).catch((e: unknown) => e);
  assert.instance(failure, TypeError);
  assert.is(calls, 1);
});

test('retry waits the backoff between attempts', async () => {
  const started = Date.now();
  await retry(async (n) => {
    if (n < 3) throw new Conflict();
  }, { attempts: 3, retryOn: () => true, backoff: { firstMs: 40, maxMs: 1000 } });
  // 40 then 80 ms.
  assert.ok(Date.now() - started >= 110, `took ${Date.now() - started} ms`);
});

test.run();
