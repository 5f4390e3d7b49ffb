import { randomUUID } from 'node:crypto';
import type { EventStore } from '@herald/eventstore';
import { eventually } from '@herald/kit/testing';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { herald, jsonLines, linesOf, smallLog, smallLogDatabase, startHerald } from '../testing.js';

let fixture: Awaited<ReturnType<typeof smallLogDatabase>>;
let store: EventStore;
let log: Awaited<ReturnType<typeof smallLog>>;
let env: { DATABASE_URL: string };

test.before(async () => {
  fixture = await smallLogDatabase('cli_events');
  ({ store, log, env } = fixture);
});

test.after(async () => {
  await fixture?.drop();
});

test('tail prints the whole log as JSON lines, oldest first', async () => {
  const { code, stdout, stderr } = await herald(['events', 'tail'], env);
  assert.is(code, 0, stderr);
  const events = jsonLines(stdout);
  assert.is(events.length, log.events);
  assert.equal(events.map((e) => e.type), ['UserRegistered', 'UserRegistered', 'FriendAdded', 'PostCreated', 'PostUpdated', 'PostDeleted']);
  const positions = events.map((e) => e.position as string);
  assert.equal(positions, [...positions].sort(), 'in log order');
  assert.equal(Object.keys(events[0] ?? {}), ['position', 'streamId', 'revision', 'id', 'type', 'createdAt', 'data', 'metadata']);
});

test('no view of the log shows a password hash', async () => {
  const tail = await herald(['events', 'tail', '--type', 'UserRegistered'], env);
  const stream = await herald(['events', 'stream', log.user], env);
  for (const output of [tail.stdout, stream.stdout]) {
    assert.not.match(output, 'c2VjcmV0LWhhc2g');
    assert.match(output, '"passwordHash":"<redacted>"');
  }
});

test('tail --from prints only the events after that position', async () => {
  const { stdout } = await herald(['events', 'tail', '--from', log.created.position], env);
  assert.equal(jsonLines(stdout).map((e) => e.id), [log.updated.id, log.deleted.id]);
});

test('tail --type keeps the types named, repeated or comma-separated', async () => {
  const repeated = await herald(['events', 'tail', '--type', 'PostUpdated', '--type', 'FriendAdded'], env);
  const commas = await herald(['events', 'tail', '--type', 'PostUpdated,FriendAdded'], env);
  assert.equal(jsonLines(repeated.stdout).map((e) => e.type), ['FriendAdded', 'PostUpdated']);
  assert.is(commas.stdout, repeated.stdout);
});

test('a position that is not one is refused before anything is read: exit 2, its shape on stderr', async () => {
  const { code, stdout, stderr } = await herald(['events', 'tail', '--from', 'nonsense'], env);
  assert.is(code, 2);
  assert.is(stdout, '');
  assert.match(stderr, 'not an event store position: "nonsense"');
  assert.match(stderr, '16 lowercase hex digits');
});

test('tail --follow prints what is appended after it started, and ends on SIGINT with exit 0', async () => {
  const child = startHerald(['events', 'tail', '--from', 'end', '--follow'], env);
  const out = linesOf(child);
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const postId = randomUUID();
  const metadata = { schemaVersion: 1, occurredAt: new Date().toISOString() };
  // Until the subscription is open, an append may land before its "end": keep appending until one shows.
  const appended = new Set<string>();
  await eventually(async () => {
    const id = randomUUID();
    appended.add(id);
    await store.append(`post-${postId}`, [{ id, type: 'PostCreated', data: { postId, authorId: log.ada, text: 'live' }, metadata }]);
    return out.lines.length > 0 ? true : undefined;
  }, 'a followed event', 20_000);
  const first = JSON.parse(out.lines[0] ?? '{}') as { id: string; streamId: string };
  assert.ok(appended.has(first.id), 'only events appended after it started');
  assert.is(first.streamId, `post-${postId}`);
  child.kill('SIGINT');
  assert.is(await exited, 0);
});

test('stream prints one stream from its first revision', async () => {
  const { code, stdout } = await herald(['events', 'stream', log.post], env);
  assert.is(code, 0);
  assert.equal(jsonLines(stdout).map((e) => [e.revision, e.type]), [[0, 'PostCreated'], [1, 'PostUpdated'], [2, 'PostDeleted']]);
});

test('a stream that does not exist: exit 1, named on stderr', async () => {
  const { code, stdout, stderr } = await herald(['events', 'stream', 'post-nobody'], env);
  assert.is(code, 1);
  assert.is(stdout, '');
  assert.match(stderr, 'herald: no stream named post-nobody in the log');
});

test('show prints the event at a position, and the same event by its id', async () => {
  const byPosition = await herald(['events', 'show', log.updated.position], env);
  const byId = await herald(['events', 'show', log.updated.id], env);
  assert.is(byPosition.code, 0, byPosition.stderr);
  assert.equal(jsonLines(byPosition.stdout).map((e) => [e.id, e.position]), [[log.updated.id, log.updated.position]]);
  assert.is(byId.stdout, byPosition.stdout);
});

test('show of a position or an id the log does not hold: exit 1', async () => {
  const head = (await store.headPosition()) ?? '';
  const position = await herald(['events', 'show', `ffffffffffffff00-${head.slice(17)}`], env);
  const id = await herald(['events', 'show', randomUUID()], env);
  assert.equal([position.code, id.code], [1, 1]);
  assert.match(position.stderr, 'no event at position ffffffffffffff00-');
  assert.match(id.stderr, 'no event with id');
});

test('show of something that is neither a position nor an id: exit 2', async () => {
  const { code, stderr } = await herald(['events', 'show', 'latest'], env);
  assert.is(code, 2);
  assert.match(stderr, 'neither an event id (a UUID) nor a position');
});

test('--json turns a refusal into a JSON line on stderr', async () => {
  const { code, stderr } = await herald(['--json', 'events', 'stream', 'post-nobody'], env);
  assert.is(code, 1);
  assert.equal(JSON.parse(stderr), { error: { kind: 'refused', message: 'no stream named post-nobody in the log' } });
});

test.run();

