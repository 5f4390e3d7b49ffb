import { createTestDatabase, type TestDatabase } from '@herald/kit/testing';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { migrateEventStore } from './migrations.js';
import { runTorture } from './torture.js';

/**
 * Concurrent writers with open, slow and rolled-back transactions against two
 * subscribers (one restarted from its checkpoint at random): every committed event
 * seen exactly once, in one order, and no rolled-back one. TORTURE_EVENTS sizes it.
 */
let database: TestDatabase;

test.before(async () => {
  database = await createTestDatabase('eventstore_torture');
  await migrateEventStore(database.url);
});

test.after(async () => {
  await database?.drop();
});

test('16 writers, 5% rollbacks, 2 subscribers (one restarting): every committed event exactly once, in one order', async () => {
  const events = Number(process.env.TORTURE_EVENTS ?? 30_000);
  const result = await runTorture({ databaseUrl: database.url, events, writers: 16 });
  console.log(`torture: seed ${result.seed}, ${result.committed} committed, ${result.rolledBack} rolled back, ${result.subscribers[1].restarts} restarts, ${result.durationMs} ms`);
  assert.ok(result.committed >= events);
  assert.ok(result.rolledBack > 0, 'some transactions rolled back');
  assert.is(result.appendErrors, 0, 'no append failed (no spurious conflict under any)');
  for (const subscriber of result.subscribers) {
    assert.equal(
      { seen: subscriber.seen, skipped: subscriber.skipped, duplicated: subscriber.duplicated, rolledBackSeen: subscriber.rolledBackSeen },
      { seen: result.committed, skipped: 0, duplicated: 0, rolledBackSeen: 0 },
    );
  }
  assert.ok(result.subscribers[1].restarts > 0, 'the second subscriber was restarted');
  assert.ok(result.sameOrder, 'both subscribers saw one and the same order');
  assert.ok(result.positionsIncrease, 'positions only increase');
});

test.run();
