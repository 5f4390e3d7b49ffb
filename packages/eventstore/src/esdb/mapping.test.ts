import {
  MaxAppendSizeExceededError, WrongExpectedVersionError as DriverWrongExpectedVersionError, StreamNotFoundError as DriverStreamNotFoundError,
  type AllStreamResolvedEvent,
} from '@eventstore/db-client';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EventStoreInputError, EventStoreUnavailableError, StreamNotFoundError, WrongExpectedVersionError } from '../errors.js';
import { toRecordedEvent, translateError } from './mapping.js';
import { createEsdbEventStore } from './store.js';

/** The EventStoreDB adapter's translation, checked without a server. */
function resolved(streamId: string, type: string, revision: unknown): AllStreamResolvedEvent {
  return {
    event: {
      streamId, id: 'f3b6a6a2-3b8b-4d0a-9d4e-1c2b3a4d5e6f', type, revision: revision as bigint, isJson: true,
      created: new Date(0), data: { a: 1 }, metadata: undefined, position: { commit: 300n, prepare: 200n },
    },
  };
}

test('a driver conflict becomes the port conflict, with no_stream however the server spelled it', () => {
  const cases: [unknown, unknown][] = [['no_stream', 'no_stream'], [-1n, 'no_stream'], [4n, 4n]];
  for (const [driverActual, actual] of cases) {
    const driver = new DriverWrongExpectedVersionError(undefined, { streamName: 'post-1', current: driverActual as bigint, expected: 3n });
    const error = translateError(driver, 'appending', 'post-1', 3n);
    assert.instance(error, WrongExpectedVersionError);
    assert.equal([(error as WrongExpectedVersionError).stream, (error as WrongExpectedVersionError).expected, (error as WrongExpectedVersionError).actual], ['post-1', 3n, actual]);
  }
});

test('a missing stream becomes the port not-found; anything else is unavailable', () => {
  assert.instance(translateError(new DriverStreamNotFoundError(undefined, 'post-1'), 'reading', 'post-1'), StreamNotFoundError);
  const other = translateError(new Error('14 UNAVAILABLE: connection refused'), 'reading');
  assert.instance(other, EventStoreUnavailableError);
  assert.match(other.message, /connection refused/);
});

test('revisions are coerced to bigint and positions to the port form', () => {
  const event = toRecordedEvent(resolved('post-1', 'PostCreated', 7));
  assert.is(event?.revision, 7n);
  assert.is(event?.position, `${(300).toString(16).padStart(16, '0')}-${(200).toString(16).padStart(16, '0')}`);
  assert.equal([event?.data, event?.metadata], [{ a: 1 }, null]);
});

test('system events and unwanted events are dropped', () => {
  assert.is(toRecordedEvent(resolved('$stats-127.0.0.1:2113', '$statsCollected', 0n)), undefined);
  assert.is(toRecordedEvent(resolved('post-1', '$metadata', 0n)), undefined);
  assert.is(toRecordedEvent(resolved('post-1', 'PostCreated', 0n), { eventTypes: ['PostDeleted'] }), undefined);
  assert.is(toRecordedEvent(resolved('post-1', 'PostCreated', 0n), { streamPrefixes: ['user-'] }), undefined);
  assert.ok(toRecordedEvent(resolved('post-1', 'PostCreated', 0n), { eventTypes: ['PostCreated'], streamPrefixes: ['post-'] }));
});

/** An event another client wrote as bytes (application/octet-stream), as the driver hands it out. */
function binary(data: Uint8Array, metadata: Uint8Array | undefined): AllStreamResolvedEvent {
  return {
    event: {
      streamId: 'post-1', id: 'f3b6a6a2-3b8b-4d0a-9d4e-1c2b3a4d5e70', type: 'PostCreated', revision: 3n, isJson: false,
      created: new Date(0), data, metadata, position: { commit: 400n, prepare: 390n },
    },
  };
}

test('an event whose data is not JSON is handed on with null data, not thrown (the subscription resubscribed at it for ever)', () => {
  const bytes = new Uint8Array([0xde, 0xad, 0xbe, 0xef, 0x7b]);
  const event = toRecordedEvent(binary(bytes, new TextEncoder().encode('not json either')));
  assert.ok(event, 'handed on, for the projector to skip');
  assert.equal([event?.id, event?.type, event?.revision, event?.data, event?.metadata], ['f3b6a6a2-3b8b-4d0a-9d4e-1c2b3a4d5e70', 'PostCreated', 3n, null, null]);
  assert.is(event?.position, `${(400).toString(16).padStart(16, '0')}-${(390).toString(16).padStart(16, '0')}`);
});

test('bytes that hold JSON read as JSON whatever the content type said', () => {
  const event = toRecordedEvent(binary(new TextEncoder().encode('{"postId":"p"}'), new TextEncoder().encode('{"schemaVersion":1}')));
  assert.equal([event?.data, event?.metadata], [{ postId: 'p' }, { schemaVersion: 1 }]);
});

test('an append over the server\'s size limit is the port\'s event_too_large (a 4xx), not unavailable (503)', () => {
  for (const driver of [new MaxAppendSizeExceededError(undefined, 1_048_576), MaxAppendSizeExceededError.fromMaxAppendSize(1_048_576)]) {
    const error = translateError(driver, 'appending to post-1', 'post-1', 'no_stream');
    assert.instance(error, EventStoreInputError);
    assert.is(error.code, 'event_too_large');
    assert.match(error.message, /1048576 bytes/);
    assert.not.instance(error, MaxAppendSizeExceededError);
  }
});

test('a malformed connection string is refused as bad input, not a driver error', () => {
  try {
    createEsdbEventStore({ connectionString: 'esdb://' });
    assert.unreachable('accepted');
  } catch (error) {
    assert.instance(error, EventStoreInputError);
  }
});

test.run();
