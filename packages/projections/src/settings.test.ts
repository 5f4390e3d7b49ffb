import { ConfigError, loadConfig } from '@herald/kit';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { settings } from './settings.js';

test('FEED_FANOUT_LIMIT defaults to 1000 and takes a positive integer', () => {
  assert.is(loadConfig(settings, {}).FEED_FANOUT_LIMIT, 1000);
  assert.is(loadConfig(settings, { FEED_FANOUT_LIMIT: '5' }).FEED_FANOUT_LIMIT, 5);
});

test('a FEED_FANOUT_LIMIT that is not a positive integer stops the projector with a message naming it', () => {
  for (const bad of ['0', '-3', '1.5', 'many']) {
    assert.throws(() => loadConfig(settings, { FEED_FANOUT_LIMIT: bad }), (error: unknown) =>
      error instanceof ConfigError && error.message.includes(`FEED_FANOUT_LIMIT must be an integer from 1 to 10000000 (got "${bad}")`));
  }
});

test.run();
