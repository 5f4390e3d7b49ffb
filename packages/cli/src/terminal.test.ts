import { migrateEventStore } from '@herald/eventstore';
import { createTestDatabase, skipBecause, type TestDatabase } from '@herald/kit/testing';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { herald, heraldOnTerminal, terminalAvailable } from './testing.js';

let db: TestDatabase;
let env: { DATABASE_URL: string };

test.before(async () => {
  db = await createTestDatabase('cli_terminal');
  await migrateEventStore(db.url);
  env = { DATABASE_URL: db.url };
  const generated = await herald(['log', 'generate', '--users', '20', '--friends', '4', '--posts-per-user', '2'], env);
  assert.is(generated.code, 0, generated.stderr);
});

test.after(async () => {
  await db.drop();
});

test('off a terminal (a pipe, a file, CI) no progress bar is drawn: stderr stays empty', async () => {
  const rebuilt = await herald(['rebuild'], env);
  const exported = await herald(['log', 'export'], env);
  assert.equal([rebuilt.code, rebuilt.stderr, exported.code, exported.stderr], [0, '', 0, '']);
});

const cases: [string, () => Promise<void>][] = [
  ['on a terminal, a long command draws a progress bar with its rate and ETA', async () => {
    const { code, output } = await heraldOnTerminal(['rebuild'], env);
    assert.is(code, 0, output);
    assert.match(output, /rebuild \[[^\]]*\] \d+% \| \d+ events \| \d+ events\/s \| ETA/);
  }],
  ['log import with stdin on a terminal, and no file, says how to give it a log: exit 2', async () => {
    const { code, output } = await heraldOnTerminal(['log', 'import'], env);
    assert.is(code, 2);
    assert.match(output, 'herald: herald log import reads an exported log from stdin or a file: herald log import < log.jsonl');
  }],
];

for (const [name, run] of cases) {
  if (terminalAvailable) test(name, run);
  else skipBecause({ skip: (title) => test.skip(title) }, name, 'no `script` (util-linux) here to give herald a terminal');
}

test.run();
