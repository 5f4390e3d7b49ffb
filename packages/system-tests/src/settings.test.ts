import { fileURLToPath } from 'node:url';
import { runToExit } from '@herald/kit/testing';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

// Each service reads LOG_LEVEL before it builds its logger: a bad one is a configuration
// error like any other, not the logger's own complaint about custom levels.
const mains = {
  'command-api': import.meta.resolve('@herald/command-api/main'),
  projector: import.meta.resolve('@herald/projections/main'),
  notifier: import.meta.resolve('@herald/notifier/main'),
};

for (const [service, url] of Object.entries(mains)) {
  test(`${service}: a bad LOG_LEVEL stops the process with the configuration's message, not the logger's`, async () => {
    const { code, stderr } = await runToExit(fileURLToPath(url), { LOG_LEVEL: 'loud' });
    assert.is.not(code, 0);
    assert.match(stderr, 'LOG_LEVEL must be one of');
    assert.not.match(stderr, 'custom levels');
  });
}

test.run();
