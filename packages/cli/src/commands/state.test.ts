import type { EventStore } from '@herald/eventstore';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { herald, smallLog, smallLogDatabase } from '../testing.js';

let fixture: Awaited<ReturnType<typeof smallLogDatabase>>;
let store: EventStore;
let log: Awaited<ReturnType<typeof smallLog>>;
let env: { DATABASE_URL: string };

test.before(async () => {
  fixture = await smallLogDatabase('cli_state');
  ({ store, log, env } = fixture);
});

test.after(async () => {
  await fixture?.drop();
});

test("a user's state is what the decider folds, without the password hash", async () => {
  const { code, stdout, stderr } = await herald(['state', log.user], env);
  assert.is(code, 0, stderr);
  assert.equal(JSON.parse(stdout), {
    stream: log.user, aggregate: 'user', at: null, revision: 0, position: log.registered.position, events: 1,
    state: { status: 'registered', userId: log.ada },
  });
  assert.not.match(stdout, 'scrypt');
});

test('--at a position folds only the events at or before it: the state as it was then', async () => {
  const then = await herald(['state', log.post, '--at', log.updated.position, '--json'], env);
  const now = await herald(['state', log.post, '--json'], env);
  assert.equal(JSON.parse(then.stdout), {
    stream: log.post, aggregate: 'post', at: log.updated.position, revision: 1, position: log.updated.position, events: 2,
    state: { status: 'live', authorId: log.ada, text: 'second thoughts' },
  });
  assert.equal((JSON.parse(now.stdout) as { state: unknown }).state, { status: 'deleted', authorId: log.ada });
});

test('--at a position before the stream began is its initial state', async () => {
  const { stdout } = await herald(['state', log.post, '--at', log.registered.position, '--json'], env);
  assert.equal(JSON.parse(stdout), { stream: log.post, aggregate: 'post', at: log.registered.position, revision: null, position: null, events: 0, state: { status: 'none' } });
});

test('--json prints one line; without it the same JSON, indented for people', async () => {
  const compact = await herald(['state', log.friendship, '--json'], env);
  const indented = await herald(['state', log.friendship], env);
  assert.is(compact.stdout.trim().split('\n').length, 1);
  assert.equal(JSON.parse(indented.stdout), JSON.parse(compact.stdout));
  assert.equal((JSON.parse(compact.stdout) as { state: unknown }).state, { friends: true });
});

test('--at nonsense is refused: exit 2, the position shape on stderr', async () => {
  const { code, stderr } = await herald(['state', log.post, '--at', 'yesterday'], env);
  assert.is(code, 2);
  assert.match(stderr, 'not an event store position: "yesterday"');
});

test('a stream of no aggregate: exit 1, saying which streams have one', async () => {
  await store.append('orders-1', [{ id: '0190c1a4-6b7a-7cc1-9e6e-5e3a1f9f2b10', type: 'OrderPlaced', data: {} }]);
  const { code, stderr } = await herald(['state', 'orders-1'], env);
  assert.is(code, 1);
  assert.match(stderr, 'herald: stream orders-1 belongs to no aggregate (streams are named user-…, friendship-…, post-…)');
});

test.run();
