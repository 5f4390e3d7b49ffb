import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { heraldProgram } from './program.js';
import { herald } from './testing.js';

/** Every command path of the program, from its own definition: a command added later is checked too. */
function paths(): string[][] {
  const out: string[][] = [[]];
  const walk = (command: ReturnType<typeof heraldProgram>, prefix: string[]) => {
    for (const sub of command.commands) {
      out.push([...prefix, sub.name()]);
      walk(sub, [...prefix, sub.name()]);
    }
  };
  walk(heraldProgram(), []);
  return out;
}

const env = { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/herald_no_such_database' };

test('every level answers --help with its usage on stdout, exit 0, touching no store', async () => {
  const all = paths();
  assert.ok(all.length >= 12, `${all.length} levels`);
  const answers = await Promise.all(all.map(async (path) => ({ path, ran: await herald([...path, '--help'], env) })));
  for (const { path, ran } of answers) {
    assert.is(ran.code, 0, `herald ${path.join(' ')} --help: ${ran.stderr}`);
    assert.match(ran.stdout, `Usage: herald${path.length > 0 ? ` ${path.join(' ')}` : ''}`);
  }
});

test('the top level lists every command and says how it is configured', async () => {
  const { stdout } = await herald(['--help'], env);
  for (const command of ['events', 'state', 'projections', 'rebuild', 'log']) assert.match(stdout, new RegExp(`\\n  ${command} `));
  assert.match(stdout, 'DATABASE_URL');
  assert.match(stdout, 'EVENTSTORE_URL');
});

test('an unknown command is a bad command line: exit 2, with a hint', async () => {
  const { code, stderr } = await herald(['replay'], env);
  assert.is(code, 2);
  assert.match(stderr, "error: unknown command 'replay'");
  assert.match(stderr, '(add --help for usage)');
});

test('with --json, a bad command line is one JSON line on stderr too', async () => {
  const { code, stderr } = await herald(['--json', 'rebuild', '--from', 'nonsense'], env);
  assert.is(code, 2);
  const { error } = JSON.parse(stderr) as { error: { kind: string; message: string } };
  assert.is(error.kind, 'usage');
  assert.match(error.message, 'not an event store position: "nonsense"');
});

test('a bad setting in the environment is named, exit 1', async () => {
  const { code, stderr } = await herald(['events', 'tail'], { DATABASE_URL: 'mysql://nowhere' });
  assert.is(code, 1);
  assert.match(stderr, 'herald: Invalid configuration: DATABASE_URL must be a URL starting with postgres:// or postgresql://');
});

test.run();
