import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EventStoreInputError } from './errors.js';
import { decodePosition, encodePosition, parsePosition } from './position.js';

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

test('anything else is refused as invalid_position', () => {
  for (const bad of ['', 'x', '1-2', `${'0'.repeat(16)}-${'0'.repeat(15)}`, `${'A'.repeat(16)}-${'0'.repeat(16)}`, 42, null, undefined, {}]) {
    try {
      decodePosition(bad);
      assert.unreachable(`accepted ${String(bad)}`);
    } catch (error) {
      assert.instance(error, EventStoreInputError);
      assert.is((error as EventStoreInputError).code, 'invalid_position');
    }
  }
});

test('parsePosition keeps a position and refuses anything else, saying what a position looks like', () => {
  const position = encodePosition(0x312n, 0xa7n);
  assert.is(parsePosition(position), position);
  try {
    parsePosition('nonsense');
    assert.unreachable('accepted nonsense');
  } catch (error) {
    assert.instance(error, EventStoreInputError);
    assert.is((error as EventStoreInputError).code, 'invalid_position');
    assert.match((error as Error).message, '"nonsense"');
    assert.match((error as Error).message, '16 lower-case hex digits');
  }
});

test.run();
