import { fileURLToPath } from 'node:url';
import { runToExit } from '@herald/kit/testing';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const main = fileURLToPath(new URL('./main.ts', import.meta.url));

test('a bad LOG_LEVEL stops the process with the configuration\'s message, not the logger\'s', async () => {
  const { code, stderr } = await runToExit(main, { LOG_LEVEL: 'loud' });
  assert.is.not(code, 0);
  assert.match(stderr, 'LOG_LEVEL must be one of');
  assert.not.match(stderr, 'custom levels');
});

test.run();
