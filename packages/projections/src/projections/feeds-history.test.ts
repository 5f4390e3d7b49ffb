import type { RecordedEvent } from '@herald/eventstore';
import { seededRandom } from '@herald/kit';
import { createTestDatabase, type TestDatabase } from '@herald/kit/testing';
import pg from 'pg';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { v7 as uuid } from 'uuid';
import { applyBatch } from '../apply.js';
import { freshSchemaSql } from '../migrate.js';
import { fillInBulk } from '../replay/fill.js';
import { eventMaker, feedByDefinition } from '../testing.js';
import { getFeed } from './feeds.js';
import type { PostView } from './posts.js';
import { createProjections } from './list.js';

/** Limit 4: merged with 5 friends or more, back to fan-out with 3 or fewer. */
const projections = createProjections({ feedFanoutLimit: 4 });
const userCount = 12;
let db: TestDatabase;
let pool: pg.Pool;

test.before(async () => {
  db = await createTestDatabase('projections_feeds_history');
  pool = new pg.Pool({ connectionString: db.url, max: 4 });
});

test.after(async () => {
  await pool.end();
  await db.drop();
});

/**
 * A history a real command side could write, in phases of 50 events that mostly make
 * friendships and then end some, most of them with one of three stars: the stars cross
 * the limit up and down again and again, between posts, edits and deletes. It ends in a
 * phase of new friendships, so feeds are full at the end.
 */
function history(seed: number, length: number): { events: RecordedEvent[]; users: string[] } {
  const random = seededRandom(seed);
  const recorded = eventMaker();
  const users = Array.from({ length: userCount }, () => uuid());
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const someone = () => (random() < 0.6 ? pick(users.slice(0, 3)) : pick(users));
  const friends = new Map<string, [string, string]>();
  const posts = new Map<string, string>();
  const events: RecordedEvent[] = [];
  while (events.length < length) {
    const growing = Math.floor(events.length / 50) % 2 === 0;
    const [a, b] = [someone(), pick(users)];
    const pair = a < b ? `${a}:${b}` : `${b}:${a}`;
    const roll = random();
    if (roll < 0.45 && a !== b && growing && !friends.has(pair)) {
      friends.set(pair, [a, b]);
      events.push(recorded('FriendAdded', { userId: a, friendId: b }));
    } else if (roll < 0.3 && !growing && friends.size > 0) {
      const [gone, [u, f]] = friends.has(pair) ? [pair, friends.get(pair) as [string, string]] : pick([...friends]);
      friends.delete(gone);
      events.push(recorded('FriendRemoved', { userId: f, friendId: u }));
    } else if (roll < 0.8) {
      const postId = uuid();
      posts.set(postId, a);
      events.push(recorded('PostCreated', { postId, authorId: a, text: `post ${events.length}` }));
    } else if (roll < 0.9 && posts.size > 0) {
      const [postId, authorId] = pick([...posts]);
      events.push(recorded('PostUpdated', { postId, authorId, text: `edit ${events.length}` }));
    } else if (posts.size > 0) {
      const [postId, authorId] = pick([...posts]);
      posts.delete(postId);
      events.push(recorded('PostDeleted', { postId, authorId }));
    }
  }
  return { events, users };
}

async function mergedAuthors(schema: string): Promise<Set<string>> {
  const { rows } = await pool.query<{ id: string }>(`SELECT author_id::text AS id FROM ${schema}.feed_merged_authors`);
  return new Set(rows.map((r) => r.id));
}

/** A reader's served feed read in pages of random sizes, beside the whole feed read at once. */
async function pagesOf(reader: string, schema: string, random: () => number): Promise<{ paged: PostView[]; whole: PostView[] }> {
  const whole = await getFeed(pool, reader, 0, 1000, schema);
  const paged: PostView[] = [];
  for (;;) {
    const page = await getFeed(pool, reader, paged.length, 1 + Math.floor(random() * 15), schema);
    if (page.length === 0) break;
    paged.push(...page);
  }
  return { paged, whole };
}

/** Every user's served feed, in pages, equals its definition over the schema's friendships and posts. */
async function assertDefined(schema: string, users: readonly string[], random: () => number, when: string): Promise<Record<string, PostView[]>> {
  const feeds: Record<string, PostView[]> = {};
  for (const reader of users) {
    const defined = await feedByDefinition(pool, reader, schema);
    const { paged, whole } = await pagesOf(reader, schema, random);
    assert.equal(whole, defined, `${schema}, ${when}: ${reader} read whole`);
    assert.equal(paged, defined, `${schema}, ${when}: ${reader} read in pages`);
    feeds[reader] = defined;
  }
  return feeds;
}

async function freshSchema(schema: string): Promise<void> {
  await pool.query(`BEGIN; ${freshSchemaSql(schema, projections)}; COMMIT`);
}

/**
 * Applied one event at a time, checking every 25 events that each served feed is its
 * definition and counting the stars' crossings; returns the feeds at the end.
 */
async function applyOneByOne(schema: string, events: readonly RecordedEvent[], users: readonly string[], random: () => number) {
  await freshSchema(schema);
  const target = { schema, projections, live: false };
  let before = new Set<string>();
  const crossings = { up: 0, down: 0 };
  for (const [i, event] of events.entries()) {
    await applyBatch(pool, target, [event]);
    const now = await mergedAuthors(schema);
    crossings.up += [...now].filter((a) => !before.has(a)).length;
    crossings.down += [...before].filter((a) => !now.has(a)).length;
    before = now;
    if (i % 25 === 24) await assertDefined(schema, users, random, `after event ${i}`);
  }
  return { feeds: await assertDefined(schema, users, random, 'at the end'), crossings };
}

async function applyInBatches(schema: string, events: readonly RecordedEvent[], users: readonly string[], size: () => number, random: () => number) {
  await freshSchema(schema);
  const target = { schema, projections, live: false };
  for (let at = 0; at < events.length;) {
    const n = size();
    await applyBatch(pool, target, events.slice(at, at + n));
    at += n;
  }
  return assertDefined(schema, users, random, 'at the end');
}

/**
 * As a rebuild does it: the log in batches with only the merged set kept (bulk), then
 * every feed filled from that state, in chunks of 3 readers.
 */
async function applyInBulk(schema: string, events: readonly RecordedEvent[], users: readonly string[], size: () => number, random: () => number) {
  await freshSchema(schema);
  const target = { schema, projections, live: false, bulk: true };
  for (let at = 0; at < events.length;) {
    const n = size();
    await applyBatch(pool, target, events.slice(at, at + n));
    at += n;
  }
  const { rows: [stored] } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.feed`);
  assert.is(stored?.n, 0, 'the bulk pass writes no feed row');
  await fillInBulk(pool, schema, projections, { chunkKeys: 3 });
  return assertDefined(schema, users, random, 'filled');
}

/** A table's rows, sorted: two equal answers are equal tables. */
async function rowsOf(table: string): Promise<string[]> {
  const { rows } = await pool.query<{ row: string }>(`SELECT t::text AS row FROM ${table} t ORDER BY 1`);
  return rows.map((r) => r.row);
}

for (const seed of [11, 12, 13]) {
  test(`live, one event at a time or in batches, equals a rebuild and the definition while stars cross the limit (seed ${seed})`, async () => {
    const { events, users } = history(seed, 640);
    const random = seededRandom(seed * 31);
    const live = await applyOneByOne(`hybrid_one_${seed}`, events, users, random);
    assert.ok(live.crossings.up >= 3, `authors merged ${live.crossings.up} times`);
    assert.ok(live.crossings.down >= 3, `authors back to fan-out ${live.crossings.down} times`);
    assert.ok(Object.values(live.feeds).some((feed) => feed.length > 50), 'the history fills feeds');
    const batched = await applyInBatches(`hybrid_batched_${seed}`, events, users, () => 1 + Math.floor(random() * 60), random);
    // A rebuild is the same applier given the whole log in batches as large as it has.
    const rebuilt = await applyInBatches(`hybrid_rebuilt_${seed}`, events, users, () => events.length, random);
    assert.equal(batched, live.feeds);
    assert.equal(rebuilt, live.feeds);
    const filled = await applyInBulk(`hybrid_filled_${seed}`, events, users, () => 1 + Math.floor(random() * 200), random);
    assert.equal(filled, live.feeds);
    // Under the cap, the same rows too: the same authors merged, the same posts stored for the others.
    for (const table of ['feed', 'feed_merged_authors']) {
      assert.equal(await rowsOf(`hybrid_filled_${seed}.${table}`), await rowsOf(`hybrid_one_${seed}.${table}`), table);
    }
  });
}

test.run();
