import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { batches } from './batches.js';

/** A source that yields one item, then fails its next read after `failAfterMs`. */
async function* failingAfterOne(failAfterMs: number): AsyncGenerator<number> {
  yield 1;
  await sleep(failAfterMs);
  throw new Error('terminating connection due to administrator command');
}

/** Runs `work` and returns every rejection that went unhandled meanwhile (and `settleMs` after). */
async function unhandledDuring(work: () => Promise<void>, settleMs: number): Promise<unknown[]> {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    await work();
    await sleep(settleMs);
    return unhandled;
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
}

// A full batch goes out with the next read started and nothing yet waiting on it.
test('a read that fails while the (full) batch before it is being applied reaches the consumer, not the process', async () => {
  const seen: number[][] = [];
  let failure: unknown;
  const unhandled = await unhandledDuring(async () => {
    try {
      for await (const batch of batches(failingAfterOne(5), 1)) {
        seen.push(batch);
        await sleep(50); // applying the batch outlasts the read started ahead of it
      }
    } catch (error) {
      failure = error;
    }
  }, 10);
  assert.instance(failure, Error);
  assert.match((failure as Error).message, /administrator command/);
  assert.equal(seen, [[1]]);
  assert.equal(unhandled, [], 'no rejection went unhandled');
});

test('a consumer that stops early leaves no failing read behind', async () => {
  const unhandled = await unhandledDuring(async () => {
    for await (const batch of batches(failingAfterOne(5), 1)) {
      assert.equal(batch, [1]);
      break; // as the consumer does when applying a batch fails
    }
  }, 50);
  assert.equal(unhandled, [], 'no rejection went unhandled');
});

test('items already ready go out together; a lone item does not wait for more', async () => {
  async function* ready(): AsyncGenerator<number> {
    yield* [1, 2, 3];
    await sleep(20);
    yield 4;
  }
  const seen: number[][] = [];
  for await (const batch of batches(ready(), 2)) seen.push(batch);
  assert.equal(seen, [[1, 2], [3], [4]]);
});

test.run();
