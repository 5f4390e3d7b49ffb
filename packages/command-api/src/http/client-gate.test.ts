import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HeraldError } from '../errors.js';
import { createClientGate } from './client-gate.js';

/** A piece of work that runs until the test lets it finish. */
function pending() {
  let finish!: () => void;
  let fail!: (error: Error) => void;
  const done = new Promise<string>((resolve, reject) => {
    finish = () => resolve('done');
    fail = reject;
  });
  return { done, finish, fail };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

test('a client runs at most `concurrent` at once; the next waits and takes the turn a finished run hands over', async () => {
  const gate = createClientGate({ concurrent: 1, waiting: 1, what: 'tests' });
  const first = pending();
  const second = pending();
  const started: string[] = [];
  const a = gate.run('10.0.0.1', () => (started.push('a'), first.done));
  const b = gate.run('10.0.0.1', () => (started.push('b'), second.done));
  await settle();
  assert.equal(started, ['a']);
  first.finish();
  await a;
  await settle();
  assert.equal(started, ['a', 'b']);
  second.finish();
  assert.is(await b, 'done');
});

test('beyond the waiting room, a client is refused 429 too_many_requests with Retry-After, and its work never runs', async () => {
  const gate = createClientGate({ concurrent: 1, waiting: 1, what: 'password checks' });
  const held = pending();
  const running = [gate.run('10.0.0.2', () => held.done), gate.run('10.0.0.2', () => held.done)];
  let ran = false;
  try {
    await gate.run('10.0.0.2', async () => void (ran = true));
    assert.unreachable('the third run was let in');
  } catch (error) {
    assert.instance(error, HeraldError);
    assert.is((error as HeraldError).error, 'too_many_requests');
    assert.is((error as HeraldError).retryAfterSeconds, 1);
    assert.match((error as HeraldError).message, 'password checks');
  }
  assert.not.ok(ran);
  held.finish();
  await Promise.all(running);
});

test('other clients have turns of their own', async () => {
  const gate = createClientGate({ concurrent: 1, waiting: 0, what: 'tests' });
  const held = pending();
  const busy = gate.run('10.0.0.3', () => held.done);
  assert.is(await gate.run('10.0.0.4', async () => 'free'), 'free');
  held.finish();
  await busy;
});

test('a run that throws gives its turn back', async () => {
  const gate = createClientGate({ concurrent: 1, waiting: 0, what: 'tests' });
  const failing = pending();
  const run = gate.run('10.0.0.5', () => failing.done);
  failing.fail(new Error('boom'));
  await run.then(() => assert.unreachable('it failed'), (error: Error) => assert.is(error.message, 'boom'));
  assert.is(await gate.run('10.0.0.5', async () => 'again'), 'again');
});

test.run();
