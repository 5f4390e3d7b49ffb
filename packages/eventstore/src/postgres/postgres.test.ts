import { createTestDatabase, type TestDatabase } from '@herald/kit/testing';
import pg from 'pg';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EventStoreUnavailableError, WrongExpectedVersionError } from '../errors.js';
import type { EventStore } from '../port.js';
import { failure, newEvents, take, uniquePrefix } from '../testing/helpers.js';
import { migrateEventStore } from './migrations.js';
import { openPostgresEventStore, type PostgresEventStoreInternals } from './store.js';

/** What only the PostgreSQL adapter promises, beyond the port's contract. */
let database: TestDatabase;
let opened: PostgresEventStoreInternals;
let store: EventStore;
let direct: pg.Client;

test.before(async () => {
  database = await createTestDatabase('eventstore_pg');
  await Promise.all([migrateEventStore(database.url), migrateEventStore(database.url)]);
  opened = openPostgresEventStore({ databaseUrl: database.url, pollIntervalMs: 60_000 });
  store = opened.store;
  direct = new pg.Client({ connectionString: database.url });
  await direct.connect();
});

test.after(async () => {
  await direct?.end();
  await store?.close();
  await database?.drop();
});

test('the store\'s sessions may sit idle inside a transaction for 15 s at most (one left open would stall every subscriber)', async () => {
  const { rows } = await opened.pool.query<{ idle_in_transaction_session_timeout: string }>('SHOW idle_in_transaction_session_timeout');
  assert.is(rows[0]?.idle_in_transaction_session_timeout, '15s');
});

test('migrating again, even from two processes at once, changes nothing', async () => {
  assert.equal(await migrateEventStore(database.url), []);
});

test('readEventAt answers null for a position no event holds, and for one still hidden by an open transaction', async () => {
  const prefix = uniquePrefix('at');
  const head = (await store.headPosition()) ?? '0000000000000001-0000000000000001';
  assert.is(await store.readEventAt(`ffffffffffffff00-${head.slice(17)}`), null);
  await direct.query('BEGIN');
  const hidden = await opened.appendWithin(direct, `${prefix}a`, newEvents(1));
  assert.is(await store.readEventAt(hidden.position), null);
  await direct.query('COMMIT');
  opened.announceAppend();
});

test('a subscription from the end sees what is appended right after it opened, even when the append reaches the database before the end is read', async () => {
  const prefix = uniquePrefix('end-race');
  const small = openPostgresEventStore({ databaseUrl: database.url, pollIntervalMs: 60_000, poolSize: 1 });
  await small.store.headPosition(); // the log's one-time check done, so only the end's read needs the pool
  // The pool's only session taken: the end of the log cannot be read until it is back.
  const busy = await small.pool.connect();
  let released = false;
  try {
    const subscription = small.store.subscribeToAll({ from: 'end', filter: { streamPrefixes: [prefix] } });
    const later = newEvents(2);
    // On a session of the caller's, nothing stops the append from committing first: it waits for the end instead.
    const appending = small.appendWithin(direct, `${prefix}s`, later);
    const first = await Promise.race([appending.then(() => 'appended'), new Promise((resolve) => setTimeout(() => resolve('waiting'), 500))]);
    assert.is(first, 'waiting', 'the append waits for the end being read');
    busy.release();
    released = true;
    await appending;
    small.announceAppend();
    const seen = await take(subscription, 2);
    await subscription.close();
    assert.equal(seen.map((e) => e.id), later.map((e) => e.id));
  } finally {
    if (!released) busy.release();
    await small.store.close();
  }
});

test('readers never see an event of a later transaction before one of an earlier transaction still open', async () => {
  const prefix = uniquePrefix('guard');
  const subscription = store.subscribeToAll({ from: 'start', filter: { streamPrefixes: [prefix] } });
  const [early, late] = [newEvents(1), newEvents(1)];
  await direct.query('BEGIN');
  await opened.appendWithin(direct, `${prefix}a`, early);
  await store.append(`${prefix}b`, late);
  const whileOpen = await store.readAll({ maxCount: 100, filter: { streamPrefixes: [prefix] } });
  await direct.query('COMMIT');
  opened.announceAppend();
  const seen = await take(subscription, 2);
  await subscription.close();
  assert.equal(whileOpen.events, [], 'the committed later event waits for the open earlier one');
  assert.equal(seen.map((e) => e.id), [early[0]?.id, late[0]?.id]);
});

test('the committed head is every event committed by now, returned once readers see it, even while an older transaction holds back the head', async () => {
  const prefix = uniquePrefix('committed');
  await direct.query('BEGIN');
  await opened.appendWithin(direct, `${prefix}a`, newEvents(1));
  const committed = await store.append(`${prefix}b`, newEvents(1));
  const headMeanwhile = (await store.headPosition()) ?? '';
  assert.ok(headMeanwhile < committed.position, 'the open transaction holds back the visible head');
  const waiting = store.committedHead();
  let answered = false;
  void waiting.then(() => { answered = true; });
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.is(answered, false, 'not answered while readers cannot see the committed event');
  await direct.query('COMMIT');
  opened.announceAppend();
  assert.is(await waiting, committed.position);
});

test('an event of a rolled-back transaction is never seen, and does not hold back the rest', async () => {
  const prefix = uniquePrefix('rollback');
  const subscription = store.subscribeToAll({ from: 'start', filter: { streamPrefixes: [prefix] } });
  const kept = newEvents(2);
  await direct.query('BEGIN');
  await opened.appendWithin(direct, `${prefix}a`, newEvents(1));
  await store.append(`${prefix}b`, kept.slice(0, 1));
  await direct.query('ROLLBACK');
  await store.append(`${prefix}b`, kept.slice(1));
  const seen = await take(subscription, 2);
  await subscription.close();
  assert.equal(seen.map((e) => e.id), kept.map((e) => e.id));
  assert.equal((await store.readAll({ maxCount: 100, filter: { streamPrefixes: [prefix] } })).events.length, 2);
});

test('from the end means after what had committed when subscribing, even behind a transaction still open', async () => {
  const prefix = uniquePrefix('end-snapshot');
  const [early, before, after] = [newEvents(1), newEvents(1), newEvents(1)];
  await direct.query('BEGIN');
  await opened.appendWithin(direct, `${prefix}a`, early);
  await store.append(`${prefix}b`, before);
  const subscription = store.subscribeToAll({ from: 'end', filter: { streamPrefixes: [prefix] } });
  const seen = take(subscription, 2);
  await new Promise((resolve) => setTimeout(resolve, 100));
  await direct.query('COMMIT');
  await store.append(`${prefix}b`, after);
  assert.equal((await seen).map((e) => e.id), [early[0]?.id, after[0]?.id], 'the open transaction committed after subscribing; the other before');
  await subscription.close();
});

test('a subscriber of another store (another process) is woken by NOTIFY, not only by its poll', async () => {
  const other = openPostgresEventStore({ databaseUrl: database.url, pollIntervalMs: 60_000 });
  const prefix = uniquePrefix('notify');
  try {
    const subscription = other.store.subscribeToAll({ from: 'end', filter: { streamPrefixes: [prefix] } });
    const first = take(subscription, 1, 20_000);
    // The subscriber is idle with a 60 s poll: only a notice can bring it the event in time.
    const events = newEvents(1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await store.append(`${prefix}s`, events);
    assert.equal((await first).map((e) => e.id), events.map((e) => e.id));
    await subscription.close();
  } finally {
    await other.store.close();
  }
});

test('closing the store ends its subscriptions and lets the process exit', async () => {
  const other = openPostgresEventStore({ databaseUrl: database.url });
  const subscription = other.store.subscribeToAll({ from: 'start' });
  const iterating = (async () => {
    let count = 0;
    for await (const _ of subscription) count += 1;
    return count;
  })();
  await other.store.close();
  assert.ok((await iterating) >= 0, 'the iteration ended');
  assert.instance(await failure(() => other.store.ping()), EventStoreUnavailableError);
});

test('event ids are unique within a stream: reusing one at another revision is a conflict', async () => {
  const stream = `${uniquePrefix('reuse')}s`;
  const events = newEvents(2);
  await store.append(stream, events, { expectedRevision: 'no_stream' });
  const reused = [events[1], ...newEvents(1)].filter((e) => e !== undefined);
  const error = await failure(() => store.append(stream, reused, { expectedRevision: 1n }));
  assert.instance(error, WrongExpectedVersionError);
  assert.is((error as WrongExpectedVersionError).actual, 1n);
  assert.is((await store.readStream(stream)).length, 2);
});

test('an unreachable database is reported as unavailable, never as a driver error', async () => {
  const url = new URL(database.url);
  url.pathname = '/herald_t_no_such_database';
  const broken = openPostgresEventStore({ databaseUrl: url.toString() });
  try {
    assert.instance(await failure(() => broken.store.ping()), EventStoreUnavailableError);
    assert.instance(await failure(() => broken.store.append('s', newEvents(1))), EventStoreUnavailableError);
  } finally {
    await broken.store.close();
  }
});

test.run();
