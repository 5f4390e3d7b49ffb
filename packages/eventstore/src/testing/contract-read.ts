import type { Test } from 'uvu';
import * as assert from 'uvu/assert';
import { StreamNotFoundError } from '../errors.js';
import type { RecordedEvent, StartFrom } from '../port.js';
import type { StoreHolder } from './contract.js';
import { failure, newEvents, uniquePrefix, visible } from './helpers.js';

const revisions = (events: readonly RecordedEvent[]) => events.map((e) => e.revision);

export function readingCases(test: Test, holder: StoreHolder): void {
  test('readStream reads forwards or backwards from a revision, with a limit', async () => {
    const { store } = holder;
    const stream = `${uniquePrefix('read')}s`;
    await store.append(stream, newEvents(6));
    assert.equal(revisions(await store.readStream(stream)), [0n, 1n, 2n, 3n, 4n, 5n]);
    assert.equal(revisions(await store.readStream(stream, { fromRevision: 2n, maxCount: 3 })), [2n, 3n, 4n]);
    assert.equal(revisions(await store.readStream(stream, { direction: 'backwards' })), [5n, 4n, 3n, 2n, 1n, 0n]);
    assert.equal(revisions(await store.readStream(stream, { direction: 'backwards', maxCount: 1 })), [5n]);
    assert.equal(revisions(await store.readStream(stream, { direction: 'backwards', fromRevision: 3n, maxCount: 2 })), [3n, 2n]);
    assert.equal(revisions(await store.readStream(stream, { fromRevision: 9n })), []);
  });

  test('regression (text-ordered ORDER BY): a stream of more than ten events reads in revision order', async () => {
    const { store } = holder;
    const stream = `${uniquePrefix('long')}s`;
    for (let i = 0; i < 3; i += 1) await store.append(stream, newEvents(5));
    await store.append(`${uniquePrefix('other')}s`, newEvents(100));
    await visible(store, (await store.append(stream, newEvents(120))).position);
    const forwards = await store.readStream(stream);
    assert.equal(revisions(forwards), Array.from({ length: 135 }, (_, i) => BigInt(i)));
    assert.equal(revisions(await store.readStream(stream, { direction: 'backwards', maxCount: 3 })), [134n, 133n, 132n]);
    const head = await store.headPosition();
    assert.is(head, forwards[forwards.length - 1]?.position);
    const all = await store.readAll({ from: 'start', maxCount: 100_000 });
    assert.ok(all.events.every((e, i) => i === 0 || (all.events[i - 1]?.position ?? '') < e.position), 'readAll positions increase');
  });

  test('reading a stream that does not exist is a typed not-found', async () => {
    const stream = `${uniquePrefix('missing')}s`;
    const error = await failure(() => holder.store.readStream(stream));
    assert.instance(error, StreamNotFoundError);
    assert.is((error as StreamNotFoundError).stream, stream);
    assert.is((error as StreamNotFoundError).code, 'stream_not_found');
  });

  test('readAll gives the log in commit order, in batches, with increasing positions', async () => {
    const { store } = holder;
    const prefix = uniquePrefix('all');
    const appended: string[] = [];
    let last = '';
    for (let i = 0; i < 5; i += 1) {
      const events = newEvents(5);
      last = (await store.append(`${prefix}${i % 2}`, events)).position;
      appended.push(...events.map((e) => e.id));
    }
    await visible(store, last);
    const read: RecordedEvent[] = [];
    let from: StartFrom = 'start';
    for (let batches = 0; batches < 1000; batches += 1) {
      const batch = await store.readAll({ from, maxCount: 7, filter: { streamPrefixes: [prefix] } });
      read.push(...batch.events);
      from = batch.next;
      if (batch.caughtUp) break;
    }
    assert.equal(read.map((e) => e.id), appended);
    assert.ok(read.every((e, i) => i === 0 || (read[i - 1]?.position ?? '') < e.position), 'positions increase');
  });

  test('readAll from a position resumes just after it', async () => {
    const { store } = holder;
    const prefix = uniquePrefix('resume');
    await store.append(`${prefix}a`, newEvents(3));
    const middle = await store.append(`${prefix}b`, newEvents(2));
    const after = newEvents(2);
    await visible(store, (await store.append(`${prefix}a`, after)).position);
    const batch = await store.readAll({ from: { after: middle.position }, maxCount: 100, filter: { streamPrefixes: [prefix] } });
    assert.equal(batch.events.map((e) => e.id), after.map((e) => e.id));
  });

  test('readAll from the end reads nothing, and its next batch starts with what comes later', async () => {
    const { store } = holder;
    const prefix = uniquePrefix('end');
    await visible(store, (await store.append(`${prefix}s`, newEvents(1))).position);
    const atEnd = await store.readAll({ from: 'end', maxCount: 10, filter: { streamPrefixes: [prefix] } });
    const later = newEvents(2);
    await visible(store, (await store.append(`${prefix}s`, later)).position);
    const next = await store.readAll({ from: atEnd.next, maxCount: 10_000, filter: { streamPrefixes: [prefix] } });
    assert.equal([atEnd.events, atEnd.caughtUp], [[], true]);
    assert.equal(next.events.map((e) => e.id), later.map((e) => e.id));
  });

  test('headPosition is the position of the newest event', async () => {
    const { store } = holder;
    const result = await store.append(`${uniquePrefix('head')}s`, newEvents(12));
    await visible(store, result.position);
    assert.is(await store.headPosition(), result.position);
    await store.ping();
  });

  test('filters by event type and by stream prefix', async () => {
    const { store } = holder;
    const prefix = uniquePrefix('filter');
    await store.append(`${prefix}user-1`, newEvents(2, 'UserRegistered'));
    await store.append(`${prefix}post-1`, newEvents(3, 'PostCreated'));
    await visible(store, (await store.append(`${prefix}post-2`, newEvents(1, 'PostDeleted'))).position);
    const read = async (eventTypes?: string[], streamPrefixes?: string[]) => {
      const batch = await store.readAll({ maxCount: 10_000, filter: { eventTypes, streamPrefixes: streamPrefixes ?? [prefix] } });
      return batch.events.map((e) => `${e.streamId.slice(prefix.length)}:${e.type}`);
    };
    assert.equal(await read(['PostCreated', 'PostDeleted']), ['post-1:PostCreated', 'post-1:PostCreated', 'post-1:PostCreated', 'post-2:PostDeleted']);
    assert.equal(await read(undefined, [`${prefix}user-`]), ['user-1:UserRegistered', 'user-1:UserRegistered']);
    assert.equal(await read(['PostDeleted'], [`${prefix}post-`, `${prefix}user-`]), ['post-2:PostDeleted']);
    assert.equal(await read(['NoSuchType']), []);
  });

  test('readEventAt gives the event at a position as the log reads it', async () => {
    const { store } = holder;
    const prefix = uniquePrefix('at');
    await store.append(`${prefix}a`, newEvents(3));
    await visible(store, (await store.append(`${prefix}b`, newEvents(2))).position);
    const { events } = await store.readAll({ maxCount: 10_000, filter: { streamPrefixes: [prefix] } });
    assert.is(events.length, 5);
    for (const event of events) assert.equal(await store.readEventAt(event.position), event);
  });
}
