import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createLogger } from '@herald/kit';
import { Bindings, type BindingTarget } from './bindings.js';
import { Hub } from './hub.js';

// The reconciler against a target whose operations finish only when the test says so,
// so the interleavings that matter (a leave while a bind is in flight, a reconnect in the
// middle) can be played exactly. RabbitMQ itself is exercised in delivery.test.ts.
class SteppedTarget implements BindingTarget {
  generation = 1;
  connected = true;
  readonly log: string[] = [];
  readonly pending: Array<{ op: string; finish: () => void; fail: (e: Error) => void }> = [];
  inFlight = 0;
  maxInFlightPerUser = 0;
  readonly #perUser = new Map<string, number>();

  bind(userId: string) {
    return this.#op(`bind ${userId}`, userId);
  }

  unbind(userId: string) {
    return this.#op(`unbind ${userId}`, userId);
  }

  #op(op: string, userId: string): Promise<void> {
    const count = (this.#perUser.get(userId) ?? 0) + 1;
    this.#perUser.set(userId, count);
    this.maxInFlightPerUser = Math.max(this.maxInFlightPerUser, count);
    return new Promise((resolve, reject) => {
      const done = () => this.#perUser.set(userId, (this.#perUser.get(userId) ?? 1) - 1);
      this.pending.push({ op, finish: () => { this.log.push(op); done(); resolve(); }, fail: (e) => { done(); reject(e); } });
    });
  }

  /** Finishes every operation in flight, and those they start, until none is left. */
  async settle(): Promise<void> {
    for (let step = 0; step < 100; step += 1) {
      await new Promise((r) => setImmediate(r));
      const next = this.pending.shift();
      if (!next) return;
      next.finish();
    }
    throw new Error('operations never stopped');
  }
}

const logger = createLogger('bindings-test', 'silent');

function setup(maxPerUser = 10) {
  const target = new SteppedTarget();
  const bindings = new Bindings(target, logger);
  const hub = new Hub<object>(maxPerUser, { first: (u) => bindings.want(u, true), last: (u) => bindings.want(u, false) });
  return { target, bindings, hub };
}

test('a first socket binds once; more sockets of the same user do not bind again', async () => {
  const { target, hub } = setup();
  hub.add('ann', {});
  hub.add('ann', {});
  await target.settle();
  assert.equal(target.log, ['bind ann']);
});

test('the last socket leaving unbinds; one of two leaving does not', async () => {
  const { target, hub } = setup();
  const [a, b] = [{}, {}];
  hub.add('ann', a);
  hub.add('ann', b);
  await target.settle();
  hub.remove(a);
  await target.settle();
  assert.equal(target.log, ['bind ann']);
  hub.remove(b);
  await target.settle();
  assert.equal(target.log, ['bind ann', 'unbind ann']);
});

test('leaving while the bind is in flight unbinds after it, never concurrently', async () => {
  const { target, hub } = setup();
  const peer = {};
  hub.add('bob', peer);
  hub.remove(peer);
  await target.settle();
  assert.equal(target.log, ['bind bob', 'unbind bob']);
  assert.is(target.maxInFlightPerUser, 1);
});

test('a burst of joins and leaves costs at most one bind and one unbind, and ends right', async () => {
  const { target, bindings, hub } = setup();
  const peers = Array.from({ length: 20 }, () => ({}));
  for (let round = 0; round < 5; round += 1) {
    for (const p of peers) hub.add('cid', p);
    for (const p of peers) hub.remove(p);
  }
  hub.add('cid', peers[0]!);
  await target.settle();
  assert.equal(target.log, ['bind cid']);
  assert.is(bindings.boundCount, 1);
  assert.is(target.maxInFlightPerUser, 1);
});

test('regression (resume seam under churn): whenBound does not answer true while an unbind is in flight, only once the key is bound again', async () => {
  const { target, bindings, hub } = setup();
  const first = {};
  hub.add('fay', first);
  await target.settle();
  hub.remove(first); // the last socket leaves: an unbind starts
  await new Promise((r) => setImmediate(r));
  assert.equal(target.pending.map((p) => p.op), ['unbind fay']);
  hub.add('fay', {}); // a socket arrives while the unbind is in flight
  let answered: boolean | undefined;
  void bindings.whenBound('fay', 10_000).then((bound) => (answered = bound));
  await new Promise((r) => setImmediate(r));
  assert.is(answered, undefined, 'not bound yet: the unbind in flight will remove the binding');
  await target.settle();
  await new Promise((r) => setImmediate(r));
  assert.equal(target.log, ['bind fay', 'unbind fay', 'bind fay']);
  assert.is(answered, true, 'bound again');
});

test('whenBound resolves once the binding exists, false when the user leaves first', async () => {
  const { target, bindings, hub } = setup();
  hub.add('dan', {});
  const bound = bindings.whenBound('dan', 10_000);
  await target.settle();
  assert.is(await bound, true);
  const peer = {};
  hub.add('eve', peer);
  const never = bindings.whenBound('eve', 10_000);
  hub.remove(peer);
  await target.settle();
  assert.is(await never, false);
});

test('a new queue (new generation) gets every wanted user bound again, and no unwanted one', async () => {
  const { target, bindings, hub } = setup();
  const gone = {};
  hub.add('fay', {});
  hub.add('gus', gone);
  await target.settle();
  target.connected = false;
  target.generation += 1; // the connection dropped: the queue and its bindings are gone
  hub.remove(gone);
  await target.settle();
  target.connected = true;
  target.generation += 1; // a new queue
  bindings.resync();
  await target.settle();
  assert.equal(target.log, ['bind fay', 'bind gus', 'bind fay']);
  assert.is(bindings.boundCount, 1);
});

test('a bind that fails leaves the user unbound until the queue comes back', async () => {
  const { target, bindings, hub } = setup();
  hub.add('hal', {});
  await new Promise((r) => setImmediate(r));
  target.connected = false;
  target.generation += 1;
  target.pending.shift()!.fail(new Error('channel closed'));
  await target.settle();
  assert.is(bindings.boundCount, 0);
  target.connected = true;
  target.generation += 1;
  bindings.resync();
  await target.settle();
  assert.equal(target.log, ['bind hal']);
  assert.is(bindings.boundCount, 1);
});

test('the hub refuses a socket past the per-user limit and keeps its count', () => {
  const { hub } = setup(2);
  assert.ok(hub.add('ivy', {}));
  assert.ok(hub.add('ivy', {}));
  assert.not.ok(hub.add('ivy', {}));
  assert.is(hub.peerCount, 2);
  assert.is(hub.userCount, 1);
});

test.run();
