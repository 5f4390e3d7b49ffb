import { friendshipStream, postStream, userStream } from '@herald/contracts';
import { createEventStore, migrateEventStore, type EventStore } from '@herald/eventstore';
import { createLogger, loadConfig } from '@herald/kit';
import { createTestDatabase, eventually, uniqueName, type TestDatabase } from '@herald/kit/testing';
import amqp from 'amqplib';
import pg from 'pg';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { v7 as uuid } from 'uuid';
import { followLog } from './live.js';
import { migrateReadModels } from './migrate.js';
import type { Projection } from './projection.js';
import { projections } from './projections/list.js';
import { startProjector, type Projector } from './projector.js';
import { createReadModelQueries, type ReadModelQueries } from './queries.js';
import { liveSchema } from './schema.js';
import { settings } from './settings.js';
import { appendEvent, buildFromScratch, snapshotReadModels } from './testing.js';

const rabbitmqUrl = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const exchange = uniqueName('herald.feed');
const silent = createLogger('versions-test', 'silent');
let db: TestDatabase;
let pool: pg.Pool;
let store: EventStore;
let queries: ReadModelQueries;
const users = Array.from({ length: 12 }, () => uuid());
const reader = users[0] as string;
/** The newest position appended: the log's head may lag it (its read guard is cluster-wide). */
let latest = '';

/**
 * The code's list with some projections at a new version, with no migration from the
 * previous one. Their DDL also labels the tables, so the test can tell which version's
 * tables are live.
 */
function bumped(names: readonly string[], list: readonly Projection[] = projections): Projection[] {
  return list.map((p) => {
    if (!names.includes(p.name)) return p;
    const version = p.version + 1;
    const { migration: _previous, ...rest } = p;
    return { ...rest, version, ddl: `${p.ddl}\n${labels(p, version)}` };
  });
}

function versionOf(name: string, list: readonly Projection[]): number {
  const found = list.find((p) => p.name === name);
  if (!found) throw new Error(`no projection ${name}`);
  return found.version;
}

function labels(p: Projection, version: number): string {
  return p.tables.map((t) => `COMMENT ON TABLE ${t} IS '${p.name} v${version}';`).join('\n');
}

async function append(...args: Parameters<typeof appendEvent> extends [unknown, ...infer Rest] ? Rest : never) {
  const result = await appendEvent(store, ...args);
  if (result.position > latest) latest = result.position;
  return result;
}

function register(userId: string) {
  return append(userStream(userId), 'UserRegistered', {
    userId, firstName: 'Version', secondName: userId.slice(-6), birthdate: '1980-01-01', biography: '', city: '', passwordHash: 'scrypt$h',
  });
}

function post(authorId: string) {
  const postId = uuid();
  return append(postStream(postId), 'PostCreated', { postId, authorId, text: `post of ${authorId.slice(-4)}` });
}

async function start(list: readonly Projection[]): Promise<Projector> {
  const config = loadConfig(settings, {
    DATABASE_URL: db.url, PROJECTOR_HOST: '127.0.0.1', PROJECTOR_PORT: '0', REDIS_KEY_PREFIX: `${uniqueName('herald-test.versions')}:`, FEED_EXCHANGE: exchange, RABBITMQ_URL: rabbitmqUrl,
  });
  return startProjector(config, { logger: silent, projections: list });
}

async function liveVersions(): Promise<Record<string, number>> {
  const { rows } = await pool.query<{ projection: string; version: number }>(`SELECT projection, version FROM ${liveSchema}.projection_checkpoints`);
  return Object.fromEntries(rows.map((r) => [r.projection, r.version]));
}

async function tableLabel(table: string): Promise<string | null> {
  const { rows } = await pool.query<{ label: string | null }>(`SELECT obj_description($1::regclass, 'pg_class') AS label`, [`${liveSchema}.${table}`]);
  return rows[0]?.label ?? null;
}

/** Writes until stopped: the live traffic an upgrade runs under. */
function keepWriting() {
  let writing = true;
  const done = (async () => {
    for (let i = 0; writing; i += 1) {
      const [a, b] = [users[i % users.length] as string, users[(i * 7 + 3) % users.length] as string];
      if (i % 5 === 0 && a !== b) await append(friendshipStream(a, b), 'FriendAdded', { userId: a, friendId: b });
      else await post(a);
    }
  })();
  return async () => {
    writing = false;
    await done;
  };
}

/** Queries until stopped, keeping every failure and every empty answer. */
function keepReading() {
  let reading = true;
  const problems: string[] = [];
  let answers = 0;
  const done = (async () => {
    while (reading) {
      try {
        const [user, found, feed] = await Promise.all([queries.getUser(reader), queries.searchUsers('version', '', 10), queries.getFeed(reader, 0, 20)]);
        if (!user) problems.push('getUser answered null');
        if (found.length === 0) problems.push('searchUsers answered nothing');
        if (feed.length === 0) problems.push('getFeed answered nothing');
        answers += 1;
      } catch (error) {
        problems.push(`query failed: ${(error as Error).message}`);
      }
    }
  })();
  return { answers: () => answers, stop: async () => { reading = false; await done; return problems; } };
}

test.before(async () => {
  db = await createTestDatabase('projections_versions');
  pool = new pg.Pool({ connectionString: db.url, max: 8 });
  pool.on('error', () => undefined);
  await migrateEventStore(pool);
  await migrateReadModels(pool);
  store = createEventStore({ databaseUrl: db.url });
  queries = createReadModelQueries(pool);
  for (const userId of users) await register(userId);
  for (const friend of users.slice(1)) await append(friendshipStream(reader, friend), 'FriendAdded', { userId: reader, friendId: friend });
  for (let i = 0; i < 300; i += 1) await post(users[i % users.length] as string);
  // The previous projector built the code's versions of everything, then stopped.
  const previous = followLog({ store, pool, projections, batchSize: 100, logger: silent });
  assert.ok(await queries.waitForPosition(latest, 30_000), 'version 1 caught up');
  await previous.stop();
});

test.after(async () => {
  await store.close();
  const connection = await amqp.connect(rabbitmqUrl);
  await (await connection.createChannel()).deleteExchange(exchange);
  await connection.close();
  await pool.end();
  await db.drop();
});

test('a bumped version is built, not migrated: the live tables are left as they are', async () => {
  assert.equal(await migrateReadModels(pool, bumped(['users'])), []);
  assert.is(await tableLabel('users'), null);
  assert.is((await liveVersions()).users, 1);
});

test('under live traffic, a projector with bumped versions builds them beside the live tables, queries answer throughout, and the new ones go live at the head', async () => {
  const list = bumped(['users', 'feeds']);
  const [users, feeds] = [versionOf('users', list), versionOf('feeds', list)];
  const stopWriting = keepWriting();
  const reading = keepReading();
  const projector = await start(list);
  try {
    await eventually(async () => {
      const versions = await liveVersions();
      return versions.users === users && versions.feeds === feeds ? true : undefined;
    }, 'the new versions of users and feeds to go live', 60_000);
    const answered = reading.answers();
    await eventually(() => (reading.answers() > answered + 5 ? true : undefined), 'queries after the swap');
    await stopWriting();
    assert.ok(await queries.waitForPosition(latest, 30_000), 'the new versions follow the log after the swap');
  } finally {
    await projector.stop();
  }
  assert.equal(await reading.stop(), [], 'every query answered, never empty');
  assert.is(await tableLabel('users'), `users v${users}`);
  assert.is(await tableLabel('feed'), `feeds v${feeds}`);
  assert.is(await tableLabel('feed_merged_authors'), `feeds v${feeds}`);
  await buildFromScratch(store, pool, 'from_scratch', latest);
  assert.equal(await snapshotReadModels(pool), await snapshotReadModels(pool, 'from_scratch'), 'no event lost or doubled at the handover');
});

test('a projector of the previous version, still running after the swap, no longer writes the new tables', async () => {
  const versionTwo = bumped(['users', 'feeds']);
  const previous = followLog({ store, pool, batchSize: 100, logger: silent, projections });
  const newcomer = uuid();
  try {
    await register(newcomer);
    const postId = uuid();
    await append(postStream(postId), 'PostCreated', { postId, authorId: newcomer, text: 'posts still advance' });
    await eventually(async () => ((await queries.getPost(postId)) ? true : undefined), 'posts (version 1 in both) to advance');
    assert.is(await queries.getUser(newcomer), null, 'users v2 is not written by the version 1 projector');
  } finally {
    await previous.stop();
  }
  const current = followLog({ store, pool, batchSize: 100, logger: silent, projections: versionTwo });
  try {
    await eventually(async () => ((await queries.getUser(newcomer)) ? true : undefined), 'the version 2 projector to catch users up');
  } finally {
    await current.stop();
  }
});

test('a bumped outbox is refused at start, naming it: its history would notify again', async () => {
  try {
    await start(bumped(['outbox']));
    assert.unreachable('the projector started');
  } catch (error) {
    const live = versionOf('outbox', projections);
    assert.match((error as Error).message, `outbox: the live tables are version ${live}, the code's is ${live + 1}`);
    assert.match((error as Error).message, 'cannot be rebuilt from the log');
  }
  assert.is((await liveVersions()).outbox, versionOf('outbox', projections), 'left as it was');
});

test('a bumped outbox with a migration from the live version is migrated in place at start, and recorded at its new version', async () => {
  const live = versionOf('outbox', projections);
  // Users and feeds as the earlier tests left them live, so that nothing else is stale.
  const list = bumped(['users', 'feeds']).map((p) => (p.name === 'outbox' ? { ...p, version: live + 1, migration: labels(p, live + 1) } : p));
  const projector = await start(list);
  try {
    assert.is((await liveVersions()).outbox, live + 1);
    assert.is(await tableLabel('outbox'), `outbox v${live + 1}`);
  } finally {
    await projector.stop();
  }
});

test.run();
