import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EventStoreInputError } from './errors.js';
import { decodePosition, encodePosition, isPosition } from './position.js';

const samples: [bigint, bigint][] = [
  [0n, 0n], [0n, 1n], [1n, 0n], [9n, 10n], [10n, 9n], [255n, 256n], [2n ** 32n, 5n], [2n ** 63n - 1n, 2n ** 64n - 1n], [2n ** 64n - 1n, 0n],
];

test('string order of positions is the order of (high, low) as numbers', () => {
  for (const [a1, a2] of samples) {
    for (const [b1, b2] of samples) {
      const numeric = a1 < b1 || (a1 === b1 && a2 < b2);
      assert.is(encodePosition(a1, a2) < encodePosition(b1, b2), numeric, `${a1},${a2} vs ${b1},${b2}`);
    }
  }
});

test('a position survives being written down and read back', () => {
  for (const [high, low] of samples) assert.equal(decodePosition(JSON.parse(JSON.stringify(encodePosition(high, low)))), { high, low });
});

const notPositions = ['', 'x', '1-2', 'zzzz', `${'0'.repeat(16)}-${'0'.repeat(15)}`, `${'A'.repeat(16)}-${'0'.repeat(16)}`, `${'0'.repeat(16)}-${'0'.repeat(16)}-0`, 42, null, undefined, {}];

test('isPosition tells the shape of a position from anything else, without throwing', () => {
  for (const [high, low] of samples) assert.ok(isPosition(encodePosition(high, low)));
  for (const bad of notPositions) assert.not.ok(isPosition(bad), String(bad));
});

test('anything else is refused as invalid_position', () => {
  for (const bad of notPositions) {
    try {
      decodePosition(bad);
      assert.unreachable(`accepted ${String(bad)}`);
    } catch (error) {
      assert.instance(error, EventStoreInputError);
      assert.is((error as EventStoreInputError).code, 'invalid_position');
    }
  }
});

test.run();
