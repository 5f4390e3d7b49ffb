import { inspect } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EventStoreInputError } from './errors.js';
import { decodePosition, encodePosition, isPosition, parsePosition, positionShapeText } from './position.js';

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
  for (const bad of notPositions) assert.not.ok(isPosition(bad), inspect(bad));
});

test('anything else is refused as invalid_position', () => {
  for (const bad of notPositions) {
    try {
      decodePosition(bad);
      assert.unreachable(`accepted ${inspect(bad)}`);
    } catch (error) {
      assert.instance(error, EventStoreInputError);
      assert.is((error as EventStoreInputError).code, 'invalid_position');
    }
  }
});

test('a typed position is taken as written (blanks forgiven); anything else is refused with what a position looks like', () => {
  const position = encodePosition(2858n, 1234n);
  assert.is(parsePosition(position), position);
  assert.is(parsePosition(` ${position}\n`, '--from'), position);
  for (const bad of ['nonsense', '', '1-2', position.toUpperCase(), `${position}-0`]) {
    try {
      parsePosition(bad, '--from');
      assert.unreachable(`accepted ${bad}`);
    } catch (error) {
      assert.instance(error, EventStoreInputError);
      assert.is((error as EventStoreInputError).code, 'invalid_position');
      assert.match((error as Error).message, `--from: not an event store position: ${JSON.stringify(bad)}`);
      assert.match((error as Error).message, '0000000000000b2a-00000000000004d2');
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
    assert.match((error as Error).message, /^not an event store position: "nonsense"/);
    assert.match((error as Error).message, positionShapeText);
  }
});

test.run();
