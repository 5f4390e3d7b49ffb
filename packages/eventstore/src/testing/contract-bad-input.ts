import type { Test } from 'uvu';
import * as assert from 'uvu/assert';
import { EventStoreInputError, StreamNotFoundError, type EventStoreInputProblem } from '../errors.js';
import type { NewEvent } from '../port.js';
import { contractMaxEventBytes, type StoreHolder } from './contract.js';
import { failure, newEvent, uniquePrefix } from './helpers.js';

class Money {
  constructor(readonly cents: number) {}
}
const circular: Record<string, unknown> = {};
circular.self = circular;

/** Each bad append, the problem code it must give, and that it writes nothing. */
const badAppends: readonly { readonly what: string; readonly code: EventStoreInputProblem; readonly stream?: string; readonly events: () => NewEvent[] }[] = [
  { what: 'an empty stream name', code: 'invalid_stream_name', stream: '', events: () => [newEvent()] },
  { what: 'an over-long stream name', code: 'invalid_stream_name', stream: 'x'.repeat(256), events: () => [newEvent()] },
  { what: 'no events at all', code: 'invalid_event', events: () => [] },
  { what: 'an id that is not a UUID', code: 'invalid_event', events: () => [{ id: 'not-a-uuid', type: 'T', data: {} }] },
  { what: 'an empty event type', code: 'invalid_event', events: () => [{ ...newEvent(), type: '' }] },
  { what: 'one id twice in a batch', code: 'invalid_event', events: () => { const e = newEvent(); return [e, { ...e }]; } },
  { what: 'data with a function', code: 'not_serialisable', events: () => [newEvent('T', { f: () => 1 })] },
  { what: 'data with a bigint', code: 'not_serialisable', events: () => [newEvent('T', { n: 1n })] },
  { what: 'data with NaN', code: 'not_serialisable', events: () => [newEvent('T', { n: Number.NaN })] },
  { what: 'data with undefined', code: 'not_serialisable', events: () => [newEvent('T', { u: undefined })] },
  { what: 'circular data', code: 'not_serialisable', events: () => [newEvent('T', circular)] },
  { what: 'data that is a class instance', code: 'not_serialisable', events: () => [newEvent('T', new Money(5))] },
  { what: 'metadata with a symbol', code: 'not_serialisable', events: () => [newEvent('T', {}, { s: Symbol('x') })] },
  { what: 'an event over the size limit', code: 'event_too_large', events: () => [newEvent('T', { text: 'x'.repeat(contractMaxEventBytes) })] },
  { what: 'a good event beside one over the limit', code: 'event_too_large', events: () => [newEvent(), newEvent('T', 'y'.repeat(contractMaxEventBytes + 1))] },
];

const badPositions = ['', 'garbage', '12-34', `${'0'.repeat(16)}-${'g'.repeat(16)}`, `${'0'.repeat(16)}:${'0'.repeat(16)}`];

export function badInputCases(test: Test, holder: StoreHolder): void {
  for (const bad of badAppends) {
    test(`appending ${bad.what} is refused with ${bad.code} and writes nothing`, async () => {
      const stream = bad.stream ?? `${uniquePrefix('bad')}s`;
      const error = await failure(() => holder.store.append(stream, bad.events()));
      assert.instance(error, EventStoreInputError);
      assert.is((error as EventStoreInputError).code, bad.code);
      if (bad.stream === undefined) assert.instance(await failure(() => holder.store.readStream(stream)), StreamNotFoundError);
    });
  }

  test('an event just within the size limit is accepted', async () => {
    const stream = `${uniquePrefix('limit')}s`;
    const text = 'z'.repeat(contractMaxEventBytes - JSON.stringify({ t: '' }).length - 'null'.length);
    await holder.store.append(stream, [newEvent('T', { t: text })]);
    assert.equal((await holder.store.readStream(stream))[0]?.data, { t: text });
  });

  test('a bad expected revision is refused', async () => {
    const error = await failure(() => holder.store.append(`${uniquePrefix('rev')}s`, [newEvent()], { expectedRevision: -1n }));
    assert.is((error as EventStoreInputError).code, 'invalid_revision');
  });

  for (const position of badPositions) {
    test(`an unparseable position ${JSON.stringify(position)} is refused by readAll, readEventAt and subscribeToAll`, async () => {
      const atError = await failure(() => holder.store.readEventAt(position));
      assert.is((atError as EventStoreInputError).code, 'invalid_position');
      const readError = await failure(() => holder.store.readAll({ from: { after: position }, maxCount: 1 }));
      assert.is((readError as EventStoreInputError).code, 'invalid_position');
      const subscribeError = await failure(() => holder.store.subscribeToAll({ from: { after: position } }));
      assert.instance(subscribeError, EventStoreInputError);
      assert.is((subscribeError as EventStoreInputError).code, 'invalid_position');
    });
  }
}
