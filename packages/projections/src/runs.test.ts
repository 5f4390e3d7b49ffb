import type { RecordedEvent } from '@herald/eventstore';
import { seededRandom } from '@herald/kit';
import { createTestDatabase, type TestDatabase } from '@herald/kit/testing';
import pg from 'pg';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { v7 as uuid } from 'uuid';
import { applyBatch } from './apply.js';
import { freshSchemaSql } from './migrate.js';
import { createProjections, projections } from './projections/list.js';
import { outboxProjection } from './projections/outbox.js';
import type { Projection } from './projection.js';
import { eventMaker, snapshotReadModels } from './testing.js';

let db: TestDatabase;
let pool: pg.Pool;

test.before(async () => {
  db = await createTestDatabase('projections_runs');
  pool = new pg.Pool({ connectionString: db.url, max: 4 });
});

test.after(async () => {
  await pool.end();
  await db.drop();
});

/**
 * A history a real command side could write (no friendship added twice, no edit of a
 * missing post), mixing every event type so that runs of all shapes occur.
 */
function history(seed: number, length: number): RecordedEvent[] {
  const random = seededRandom(seed);
  const recorded = eventMaker();
  const users = Array.from({ length: 8 }, () => uuid());
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const friends = new Set<string>();
  const posts = new Map<string, string>();
  const events = users.slice(0, 4).map((userId) => recorded('UserRegistered', {
    userId, firstName: 'Ann', secondName: 'Lee', birthdate: '1990-01-02', biography: '', city: 'Oslo', passwordHash: 'x',
  }));
  while (events.length < length) {
    const [a, b] = [pick(users), pick(users)];
    const pair = a < b ? `${a}:${b}` : `${b}:${a}`;
    const roll = random();
    if (roll < 0.3 && a !== b && !friends.has(pair)) {
      friends.add(pair);
      events.push(recorded('FriendAdded', { userId: a, friendId: b }));
    } else if (roll < 0.38 && friends.has(pair)) {
      friends.delete(pair);
      events.push(recorded('FriendRemoved', { userId: b, friendId: a }));
    } else if (roll < 0.8) {
      const postId = uuid();
      posts.set(postId, a);
      events.push(recorded('PostCreated', { postId, authorId: a, text: `post ${events.length}` }));
    } else if (roll < 0.92 && posts.size > 0) {
      const [postId, authorId] = pick([...posts]);
      events.push(recorded('PostUpdated', { postId, authorId, text: `edit ${events.length}` }));
    } else if (posts.size > 0) {
      const [postId, authorId] = pick([...posts]);
      posts.delete(postId);
      events.push(recorded('PostDeleted', { postId, authorId }));
    }
  }
  return events;
}

/**
 * Applies `events` to a fresh schema of every projection, cut into batches of the given
 * sizes; `outboxFrom` starts the outbox's checkpoint there, as on a first start at the head.
 */
async function project(
  schema: string, events: readonly RecordedEvent[], batchSize: (index: number) => number, outboxFrom = '', all: readonly Projection[] = projections,
) {
  await pool.query(`BEGIN; ${freshSchemaSql(schema, all)};
    INSERT INTO ${schema}.projection_checkpoints (projection, version, position) VALUES ('outbox', ${outboxProjection.version}, '${outboxFrom}'); COMMIT`);
  const target = { schema, projections: all, live: false };
  for (let at = 0, n = 0; at < events.length; n += 1) {
    const size = batchSize(n);
    await applyBatch(pool, target, events.slice(at, at + size));
    at += size;
  }
  const { rows } = await pool.query(`SELECT event_id, position, recipients::text[] AS recipients, payload FROM ${schema}.outbox ORDER BY id`);
  return { readModels: await snapshotReadModels(pool, schema), outbox: rows };
}

for (const seed of [1, 2, 3]) {
  test(`a history applied in batches of any size leaves what one event at a time leaves (seed ${seed})`, async () => {
    const events = history(seed, 400);
    const random = seededRandom(seed * 7919);
    const oneByOne = await project(`runs_one_${seed}`, events, () => 1);
    const batched = await project(`runs_batched_${seed}`, events, () => 1 + Math.floor(random() * 80));
    const whole = await project(`runs_whole_${seed}`, events, () => events.length);
    assert.ok(oneByOne.readModels.feed && oneByOne.readModels.feed.length > 50, 'the history fills feeds');
    assert.ok(oneByOne.outbox.length > 50, 'the history notifies');
    assert.equal(batched, oneByOne);
    assert.equal(whole, oneByOne);
  });
}

/** A fan-out limit of 3: authors of the 8 users cross it both ways, and runs mix crossings with fan-out. */
const hybrid = createProjections({ feedFanoutLimit: 3 });

for (const seed of [1, 2, 3]) {
  test(`with authors merged into feeds and out again, batches of any size leave what one event at a time leaves (seed ${seed})`, async () => {
    const events = history(seed, 400);
    const random = seededRandom(seed * 104_729);
    const oneByOne = await project(`runs_hybrid_one_${seed}`, events, () => 1, '', hybrid);
    const batched = await project(`runs_hybrid_batched_${seed}`, events, () => 1 + Math.floor(random() * 80), '', hybrid);
    const whole = await project(`runs_hybrid_whole_${seed}`, events, () => events.length, '', hybrid);
    assert.ok(oneByOne.readModels.feed_merged_authors && oneByOne.readModels.feed_merged_authors.length > 0, 'authors end merged');
    assert.equal(batched, oneByOne);
    assert.equal(whole, oneByOne);
  });
}

test('with the outbox starting mid-log, batches of any size notify what one event at a time does', async () => {
  const recorded = eventMaker(Date.parse('2027-01-01T00:00:00Z'));
  const [a, b] = [uuid(), uuid()];
  // A friendship the outbox starts after, then a post in the same run: the friend is notified.
  const boundary = [recorded('FriendAdded', { userId: a, friendId: b }), recorded('PostCreated', { postId: uuid(), authorId: a, text: 'first after the start' })];
  const events = [...history(4, 300), ...boundary, ...history(5, 300)].map((e, i) => ({ ...e, position: String(i).padStart(8, '0') }));
  const from = events[300]?.position ?? '';
  const oneByOne = await project('runs_from_one', events, () => 1, from);
  const whole = await project('runs_from_whole', events, () => events.length, from);
  assert.ok(oneByOne.outbox.length > 20, 'posts after the start notify');
  assert.ok(oneByOne.outbox.some((row) => row.recipients.includes(b)), 'the friend added just before the start');
  assert.ok(oneByOne.outbox.every((row) => row.position > from), 'none before it');
  assert.equal(whole, oneByOne);
});

test.run();
