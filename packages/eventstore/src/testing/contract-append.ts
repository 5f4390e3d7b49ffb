import { randomUUID } from 'node:crypto';
import type { Test } from 'uvu';
import * as assert from 'uvu/assert';
import { WrongExpectedVersionError } from '../errors.js';
import type { ActualRevision, ExpectedRevision } from '../port.js';
import type { StoreHolder } from './contract.js';
import { failure, newEvent, newEvents, uniquePrefix } from './helpers.js';

interface RevisionCase {
  /** Events already in the stream; 0 means the stream does not exist. */
  readonly existing: number;
  readonly expected: ExpectedRevision;
  /** The next expected revision after appending two events, or the conflict's actual revision. */
  readonly outcome: { readonly next: bigint } | { readonly conflict: ActualRevision };
}

/** EventStoreDB's expected-revision semantics, appending two events each time. */
const revisionCases: readonly RevisionCase[] = [
  { existing: 0, expected: 'any', outcome: { next: 1n } },
  { existing: 3, expected: 'any', outcome: { next: 4n } },
  { existing: 0, expected: 'no_stream', outcome: { next: 1n } },
  { existing: 3, expected: 'no_stream', outcome: { conflict: 2n } },
  { existing: 0, expected: 'stream_exists', outcome: { conflict: 'no_stream' } },
  { existing: 3, expected: 'stream_exists', outcome: { next: 4n } },
  { existing: 0, expected: 0n, outcome: { conflict: 'no_stream' } },
  { existing: 1, expected: 0n, outcome: { next: 2n } },
  { existing: 3, expected: 2n, outcome: { next: 4n } },
  { existing: 3, expected: 1n, outcome: { conflict: 2n } },
  { existing: 3, expected: 7n, outcome: { conflict: 2n } },
];

export function appendingCases(test: Test, holder: StoreHolder): void {
  for (const c of revisionCases) {
    const outcome = 'next' in c.outcome ? `next expected revision ${c.outcome.next}` : `a conflict with actual ${String(c.outcome.conflict)}`;
    test(`appending with expected ${String(c.expected)} to a stream of ${c.existing} events gives ${outcome}`, async () => {
      const { store } = holder;
      const stream = `${uniquePrefix('rev')}s`;
      if (c.existing > 0) await store.append(stream, newEvents(c.existing));
      const events = newEvents(2);
      const expected = c.outcome;
      if ('next' in expected) {
        const result = await store.append(stream, events, { expectedRevision: c.expected });
        assert.is(result.nextExpectedRevision, expected.next);
        const read = await store.readStream(stream);
        assert.equal(read.slice(-2).map((e) => [e.id, e.revision]), events.map((e, i) => [e.id, expected.next - 1n + BigInt(i)]));
        assert.is(result.position, read[read.length - 1]?.position);
      } else {
        const error = await failure(() => store.append(stream, events, { expectedRevision: c.expected }));
        assert.instance(error, WrongExpectedVersionError);
        const conflict = error as WrongExpectedVersionError;
        assert.equal([conflict.code, conflict.stream, conflict.expected, conflict.actual], ['wrong_expected_version', stream, c.expected, expected.conflict]);
        const count = c.existing === 0 ? 0 : (await store.readStream(stream)).length;
        assert.is(count, c.existing, 'nothing written on a conflict');
      }
    });
  }

  test('revisions of one batch are consecutive and the result names the last event', async () => {
    const { store } = holder;
    const stream = `${uniquePrefix('batch')}s`;
    const first = await store.append(stream, newEvents(3), { expectedRevision: 'no_stream' });
    const second = await store.append(stream, newEvents(4), { expectedRevision: first.nextExpectedRevision });
    assert.is(second.nextExpectedRevision, 6n);
    const read = await store.readStream(stream);
    assert.equal(read.map((e) => e.revision), [0n, 1n, 2n, 3n, 4n, 5n, 6n]);
    assert.ok(first.position < second.position);
    assert.is(first.position, read[2]?.position);
  });

  test('events come back as written: id, type, data, metadata', async () => {
    const { store } = holder;
    const stream = `${uniquePrefix('shape')}s`;
    const event = newEvent('Shaped', { text: 'héllo ✓', list: [1, 2.5, null, true], nested: { a: { b: 'c' } } }, { requestId: 'r1' });
    const bare = newEvent('Bare', 'just a string');
    await store.append(stream, [event, bare]);
    const [read, readBare] = await store.readStream(stream);
    assert.equal([read?.id, read?.streamId, read?.type, read?.data, read?.metadata], [event.id, stream, 'Shaped', event.data, event.metadata]);
    assert.equal([readBare?.data, readBare?.metadata], ['just a string', null]);
    assert.instance(read?.createdAt, Date);
  });

  test('a retried append (same ids, same expected revision) is a no-op returning the same result', async () => {
    const { store } = holder;
    const stream = `${uniquePrefix('idem')}s`;
    await store.append(stream, newEvents(1));
    const events = newEvents(2);
    const first = await store.append(stream, events, { expectedRevision: 0n });
    const retried = await store.append(stream, events, { expectedRevision: 0n });
    assert.equal(retried, first);
    const fresh = newEvents(1);
    const created = await store.append(`${stream}-new`, fresh, { expectedRevision: 'no_stream' });
    assert.equal(await store.append(`${stream}-new`, fresh, { expectedRevision: 'no_stream' }), created);
    assert.is((await store.readStream(stream)).length, 3);
    assert.is((await store.readStream(`${stream}-new`)).length, 1);
  });

  test('a retried append under any is a no-op too', async () => {
    const { store } = holder;
    const stream = `${uniquePrefix('idem-any')}s`;
    const events = newEvents(3);
    const first = await store.append(stream, events);
    assert.equal(await store.append(stream, events), first);
    assert.is((await store.readStream(stream)).length, 3);
  });

  test('writers racing on one stream under any all succeed, each with its own revision', async () => {
    const { store } = holder;
    const stream = `${uniquePrefix('race-any')}s`;
    const results = await Promise.all(Array.from({ length: 24 }, () => store.append(stream, newEvents(2))));
    const revisions = results.map((r) => r.nextExpectedRevision).sort((a, b) => (a < b ? -1 : 1));
    assert.equal(revisions, Array.from({ length: 24 }, (_, i) => BigInt(i * 2 + 1)));
    assert.is((await store.readStream(stream)).length, 48);
  });

  test('writers racing on one expected revision: exactly one wins, the others see the real actual revision', async () => {
    const { store } = holder;
    const stream = `${uniquePrefix('race-exact')}s`;
    await store.append(stream, newEvents(1));
    const outcomes = await Promise.allSettled(Array.from({ length: 12 }, () => store.append(stream, newEvents(1), { expectedRevision: 0n })));
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    const lost = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []));
    assert.is(won.length, 1);
    assert.ok(lost.every((e) => e instanceof WrongExpectedVersionError && e.actual === 1n && e.expected === 0n));
    assert.is((await store.readStream(stream)).length, 2);
  });

  test('writers racing to create a stream under no_stream: exactly one wins', async () => {
    const { store } = holder;
    const stream = `${uniquePrefix('race-new')}s-${randomUUID()}`;
    const outcomes = await Promise.allSettled(Array.from({ length: 8 }, () => store.append(stream, newEvents(1), { expectedRevision: 'no_stream' })));
    assert.is(outcomes.filter((o) => o.status === 'fulfilled').length, 1);
    assert.ok(outcomes.every((o) => o.status === 'fulfilled' || (o.reason instanceof WrongExpectedVersionError && o.reason.actual === 0n)));
  });
}
