import { createEventStore, migrateEventStore, type EventStore } from '@herald/eventstore';
import { createTestDatabase, type TestDatabase } from '@herald/kit/testing';
import pg from 'pg';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { herald } from '../testing.js';

let db: TestDatabase;
let store: EventStore;
let pool: pg.Pool;
let env: { DATABASE_URL: string };

/** What the read models hold: every table's rows and every checkpoint, as text. */
async function readModels(): Promise<string[]> {
  const exists = await pool.query(`SELECT 1 FROM pg_namespace WHERE nspname = 'read_models'`);
  if (exists.rowCount === 0) return [];
  const tables = ['users', 'friendships', 'feed', 'feed_merged_authors', 'posts', 'projection_checkpoints'];
  const rows = await Promise.all(tables.map((t) => pool.query<{ row: string }>(`SELECT '${t}' || t::text AS row FROM read_models.${t} t ORDER BY 1`)));
  return rows.flatMap((r) => r.rows.map((x) => x.row));
}

test.before(async () => {
  db = await createTestDatabase('cli_rebuild');
  await migrateEventStore(db.url);
  store = createEventStore({ databaseUrl: db.url });
  pool = new pg.Pool({ connectionString: db.url, max: 2 });
  env = { DATABASE_URL: db.url };
  const generated = await herald(['log', 'generate', '--users', '30', '--friends', '6', '--posts-per-user', '2', '--json'], env);
  assert.is(generated.code, 0, generated.stderr);
});

test.after(async () => {
  await store.close();
  await pool.end();
  await db.drop();
});

test('a dry run prints the plan and changes nothing', async () => {
  const before = await readModels();
  const { code, stdout } = await herald(['rebuild', 'feeds', '--dry-run'], env);
  assert.is(code, 0);
  assert.match(stdout, 'rebuild feeds (and friendships, posts, which they read)');
  assert.match(stdout, 'history sends no notifications');
  assert.equal(await readModels(), before);
});

test('a dry run with --json is the plan as one object', async () => {
  const { stdout } = await herald(['rebuild', 'feeds', '--dry-run', '--json'], env);
  const { head, ...plan } = JSON.parse(stdout) as { head: string };
  assert.equal(plan, { dryRun: true, requested: ['feeds'], built: ['friendships', 'feeds', 'posts'], tables: ['friendships', 'feed', 'feed_merged_authors', 'posts'], from: 'start' });
  assert.match(head, /^[0-9a-f]{16}-[0-9a-f]{16}$/);
});

test('rebuild fills every replayable read model from the log, up to its head', async () => {
  const head = (await store.headPosition()) ?? '';
  const { code, stdout, stderr } = await herald(['rebuild', '--json'], env);
  assert.is(code, 0, stderr);
  const result = JSON.parse(stdout) as { built: string[]; events: number; position: string };
  assert.equal(result.built, ['users', 'friendships', 'feeds', 'posts']);
  assert.ok(result.position >= head, `${result.position} reaches the head ${head}`);
  assert.ok(result.events > 30);
  const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM read_models.users');
  assert.is(rows[0]?.n, 30);
});

test('people get the plan, then what was rebuilt', async () => {
  const { code, stdout } = await herald(['rebuild', 'users'], env);
  assert.is(code, 0);
  assert.match(stdout, /^rebuild users\n/);
  assert.match(stdout, /\nrebuilt users: \d+ events in \d+\.\d s, up to [0-9a-f]{16}-[0-9a-f]{16}\n$/);
});

test('feeds are rebuilt with FEED_FANOUT_LIMIT, as the projector builds them: authors past it are merged in, not fanned out', async () => {
  const merged = async () => (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM read_models.feed_merged_authors')).rows[0]?.n ?? 0;
  const small = await herald(['rebuild', 'feeds', '--json'], { ...env, FEED_FANOUT_LIMIT: '2' });
  assert.is(small.code, 0, small.stderr);
  assert.ok(await merged() > 0, 'authors with more than 2 friends are merged');
  const byDefault = await herald(['rebuild', 'feeds', '--json'], env);
  assert.is(byDefault.code, 0, byDefault.stderr);
  assert.is(await merged(), 0, 'none has more than 1000');
});

test('a FEED_FANOUT_LIMIT that is not a positive integer is refused, named, before anything is touched', async () => {
  const before = await readModels();
  const { code, stderr } = await herald(['rebuild', 'feeds'], { ...env, FEED_FANOUT_LIMIT: 'lots' });
  assert.is(code, 1);
  assert.match(stderr, 'FEED_FANOUT_LIMIT');
  assert.equal(await readModels(), before);
});

test('--from nonsense is refused: exit 2, nothing changed', async () => {
  const before = await readModels();
  const { code, stdout, stderr } = await herald(['rebuild', '--from', 'nonsense'], env);
  assert.is(code, 2);
  assert.is(stdout, '');
  assert.match(stderr, 'not an event store position: "nonsense"');
  assert.equal(await readModels(), before);
});

test('the outbox is refused: exit 1, history would notify again', async () => {
  const { code, stderr } = await herald(['rebuild', 'outbox'], env);
  assert.is(code, 1);
  assert.match(stderr, 'outbox cannot be rebuilt: replaying it would send notifications for history again');
});

test('an unknown projection is refused, naming the known ones', async () => {
  const { code, stderr } = await herald(['rebuild', 'likes'], env);
  assert.is(code, 1);
  assert.match(stderr, /no projection named likes \(known: [a-z, ]*users[a-z, ]*\)/);
});

test.run();
