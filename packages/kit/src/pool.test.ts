import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sleep } from './retry.js';
import { inPool } from './pool.js';

test('inPool answers every result in index order, whatever order they finish in', async () => {
  const results = await inPool(20, 4, async (i) => {
    await sleep((20 - i) % 7);
    return i * i;
  });
  assert.equal(results, Array.from({ length: 20 }, (_, i) => i * i));
});

test('inPool never runs more than the limit at once, and does use it', async () => {
  let running = 0;
  let most = 0;
  await inPool(30, 5, async () => {
    running += 1;
    most = Math.max(most, running);
    await sleep(5);
    running -= 1;
  });
  assert.is(most, 5);
});

test('inPool tells progress as each one finishes', async () => {
  const told: number[] = [];
  await inPool(6, 2, async () => sleep(1), (done) => told.push(done));
  assert.equal(told, [1, 2, 3, 4, 5, 6]);
});

test('inPool rejects with the first failure and starts no more work after it', async () => {
  const started: number[] = [];
  const failure = await inPool(100, 2, async (i) => {
    started.push(i);
    await sleep(2);
    if (i === 3) throw new Error('item 3 failed');
  }).catch((e: unknown) => e);
  assert.instance(failure, Error);
  assert.is((failure as Error).message, 'item 3 failed');
  assert.ok(started.length <= 5, `started ${started.length} items`);
});

test('inPool with nothing to do answers at once; a limit below 1 is refused', async () => {
  assert.equal(await inPool(0, 4, async () => 1), []);
  await inPool(3, 0, async () => 1).then(() => assert.unreachable('accepted a limit of 0'), (e: unknown) => assert.instance(e, RangeError));
});

test.run();
