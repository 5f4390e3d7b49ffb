import type { Test } from 'uvu';
import * as assert from 'uvu/assert';
import type { StoreHolder } from './contract.js';
import { newEvents, take, uniquePrefix } from './helpers.js';

export function subscribingCases(test: Test, holder: StoreHolder): void {
  test('a subscription catches up, then goes live, with neither gap nor duplicate at the seam', async () => {
    const { store } = holder;
    const prefix = uniquePrefix('seam');
    const expected: string[] = [];
    for (let i = 0; i < 20; i += 1) {
      const events = newEvents(3);
      await store.append(`${prefix}${i % 3}`, events);
      expected.push(...events.map((e) => e.id));
    }
    const subscription = store.subscribeToAll({ from: 'start', filter: { streamPrefixes: [prefix] } });
    // Appends race with the catch-up; the seam falls somewhere among them.
    const writing = (async () => {
      for (let i = 0; i < 20; i += 1) {
        const events = newEvents(2);
        expected.push(...events.map((e) => e.id));
        await store.append(`${prefix}${i % 4}`, events);
      }
    })();
    const seen = await take(subscription, 100);
    await writing;
    await subscription.close();
    assert.equal(seen.map((e) => e.id), expected);
  });

  test('a subscription resumed from a stored position continues exactly after it', async () => {
    const { store } = holder;
    const prefix = uniquePrefix('checkpoint');
    const all = newEvents(12);
    await store.append(`${prefix}s`, all.slice(0, 8));
    const first = store.subscribeToAll({ from: 'start', filter: { streamPrefixes: [prefix] } });
    const part = await take(first, 5);
    await first.close();
    const checkpoint = part[part.length - 1]?.position ?? '';
    await store.append(`${prefix}s`, all.slice(8));
    const resumed = store.subscribeToAll({ from: { after: checkpoint }, filter: { streamPrefixes: [prefix] } });
    const rest = await take(resumed, 7);
    await resumed.close();
    assert.equal([...part, ...rest].map((e) => e.id), all.map((e) => e.id));
  });

  test('a subscription from the end sees only what is appended after it started', async () => {
    const { store } = holder;
    const prefix = uniquePrefix('from-end');
    await store.append(`${prefix}s`, newEvents(3));
    const subscription = store.subscribeToAll({ from: 'end', filter: { streamPrefixes: [prefix] } });
    const later = newEvents(2);
    await store.append(`${prefix}s`, later);
    const seen = await take(subscription, 2);
    await subscription.close();
    assert.equal(seen.map((e) => e.id), later.map((e) => e.id));
  });

  test('a filtered subscription sees only the wanted events', async () => {
    const { store } = holder;
    const prefix = uniquePrefix('sub-filter');
    const wanted = newEvents(2, 'PostCreated');
    await store.append(`${prefix}post-1`, newEvents(2, 'PostUpdated'));
    await store.append(`${prefix}user-1`, newEvents(2, 'PostCreated'));
    await store.append(`${prefix}post-2`, wanted);
    const subscription = store.subscribeToAll({ from: 'start', filter: { eventTypes: ['PostCreated'], streamPrefixes: [`${prefix}post-`] } });
    const seen = await take(subscription, 2);
    await subscription.close();
    assert.equal(seen.map((e) => e.id), wanted.map((e) => e.id));
  });

  test('an unfiltered subscription sees every stream, in the order of readAll', async () => {
    const { store } = holder;
    const prefix = uniquePrefix('unfiltered');
    const head = await store.headPosition();
    const mine = newEvents(4);
    await store.append(`${prefix}a`, mine.slice(0, 2));
    await store.append(`${prefix}b`, mine.slice(2));
    const subscription = store.subscribeToAll({ from: head ? { after: head } : 'start' });
    const seen = [];
    for await (const event of subscription) {
      if (event.streamId.startsWith(prefix)) seen.push(event);
      if (seen.length === mine.length) break;
    }
    const read = await store.readAll({ from: head ? { after: head } : 'start', maxCount: 10_000, filter: { streamPrefixes: [prefix] } });
    assert.equal(seen.map((e) => e.id), mine.map((e) => e.id));
    assert.equal(seen.map((e) => e.position), read.events.map((e) => e.position));
  });

  test('closing a subscription ends its iteration', async () => {
    const { store } = holder;
    const subscription = store.subscribeToAll({ from: 'end', filter: { streamPrefixes: [uniquePrefix('closing')] } });
    const iterating = (async () => {
      let count = 0;
      for await (const _ of subscription) count += 1;
      return count;
    })();
    await subscription.close();
    assert.is(await iterating, 0);
  });

  test('aborting the signal ends the iteration without an error', async () => {
    const { store } = holder;
    const abort = new AbortController();
    const prefix = uniquePrefix('abort');
    const subscription = store.subscribeToAll({ from: 'start', filter: { streamPrefixes: [prefix] }, signal: abort.signal });
    await store.append(`${prefix}s`, newEvents(1));
    const seen = await take(subscription, 1);
    abort.abort();
    const next = await subscription[Symbol.asyncIterator]().next();
    assert.is(seen.length, 1);
    assert.is(next.done, true);
  });
}
