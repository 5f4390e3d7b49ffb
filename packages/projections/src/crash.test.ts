import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { friendshipStream, postStream, userStream } from '@herald/contracts';
import { createEventStore, migrateEventStore, type EventStore } from '@herald/eventstore';
import { createTestDatabase, eventually, type TestDatabase } from '@herald/kit/testing';
import pg from 'pg';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { v7 as uuid } from 'uuid';
import { migrateReadModels } from './migrate.js';
import { createProjections } from './projections/list.js';
import { startOutboxAtHead } from './outbox/first-start.js';
import { createReadModelQueries } from './queries.js';
import { liveSchema } from './schema.js';
import { appendEvent as append, buildFromScratch, snapshotReadModels } from './testing.js';

const main = fileURLToPath(new URL('./main.ts', import.meta.url));
let db: TestDatabase;
let pool: pg.Pool;
let store: EventStore;
const children = new Set<ChildProcess>();
/** The newest position appended: the log's head may lag it (its read guard is cluster-wide). */
let latest = '';
/** Small enough that the busiest of the 30 users are merged into feeds at read time. */
const feedFanoutLimit = 12;

async function appendEvent(...args: Parameters<typeof append>) {
  const result = await append(...args);
  if (result.position > latest) latest = result.position;
  return result;
}

/** The projector as `make up` runs it, with a broker it cannot reach: outbox rows stay for counting. */
async function startChild(env: Record<string, string> = {}): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', main], {
    env: { ...process.env, ...env, DATABASE_URL: db.url, PROJECTOR_PORT: '0', PROJECTOR_HOST: '127.0.0.1', RABBITMQ_URL: 'amqp://guest:guest@127.0.0.1:1', LOG_LEVEL: 'info', PROJECTOR_BATCH_SIZE: '50', FEED_FANOUT_LIMIT: String(feedFanoutLimit) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 30_000;
  while (!/"msg":"ready"/.test(output)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`projector did not start: ${output.slice(-500)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return child;
}

async function kill(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  const exited = once(child, 'exit');
  child.kill(signal);
  await exited;
}

/** A busy social life: registrations, friendships made and broken, posts written, edited, deleted. */
async function writeHistory(users: readonly string[], rounds: number): Promise<void> {
  const pick = () => users[Math.floor(Math.random() * users.length)] as string;
  const posts: { postId: string; authorId: string }[] = [];
  const step = async () => {
    const roll = Math.random();
    const [a, b] = [pick(), pick()];
    if (roll < 0.3 && a !== b) await appendEvent(store, friendshipStream(a, b), 'FriendAdded', { userId: a, friendId: b });
    else if (roll < 0.35 && a !== b) await appendEvent(store, friendshipStream(a, b), 'FriendRemoved', { userId: a, friendId: b });
    else if (roll < 0.9 || posts.length === 0) {
      const postId = uuid();
      posts.push({ postId, authorId: a });
      await appendEvent(store, postStream(postId), 'PostCreated', { postId, authorId: a, text: `post by ${a.slice(-4)}` });
    } else {
      const post = posts[Math.floor(Math.random() * posts.length)] as { postId: string; authorId: string };
      if (roll < 0.95) await appendEvent(store, postStream(post.postId), 'PostUpdated', { ...post, text: 'edited' });
      else await appendEvent(store, postStream(post.postId), 'PostDeleted', post);
    }
  };
  await Promise.all(Array.from({ length: 4 }, async () => {
    for (let i = 0; i < rounds; i += 1) await step();
  }));
}

test.before(async () => {
  db = await createTestDatabase('projections_crash');
  pool = new pg.Pool({ connectionString: db.url, max: 4 });
  pool.on('error', () => undefined);
  await migrateEventStore(pool);
  await migrateReadModels(pool);
  store = createEventStore({ databaseUrl: db.url });
});

test.after(async () => {
  for (const child of children) child.kill('SIGKILL');
  await store.close();
  await pool.end();
  await db.drop();
});

const users = Array.from({ length: 30 }, () => uuid());

test('a projector killed with SIGKILL mid-stream and restarted ends equal to a from-scratch build', async () => {
  // The deployment's first projector started on the empty log, so its outbox covers the whole log.
  await startOutboxAtHead(pool, store);
  for (const userId of users) {
    await appendEvent(store, userStream(userId), 'UserRegistered', {
      userId, firstName: 'U', secondName: userId.slice(-6), birthdate: '1999-09-09', biography: '', city: 'X', passwordHash: 'scrypt$h',
    });
  }
  await writeHistory(users, 250);
  const writing = writeHistory(users, 100);
  const queries = createReadModelQueries(pool);
  const killedMidStream: boolean[] = [];
  let before: string | null = null;
  for (let i = 0; i < 4; i += 1) {
    const child = await startChild();
    // Killed right after it commits something, while most of the log is still unread.
    const moved = await eventually(async () => {
      const reached = await queries.projectedPosition();
      return reached !== null && (before === null || reached > before) ? reached : undefined;
    }, 'the projector to apply a batch', 30_000);
    await kill(child, 'SIGKILL');
    before = await queries.projectedPosition();
    killedMidStream.push(moved < latest && (before ?? '') < latest);
  }
  assert.ok(killedMidStream.some(Boolean), 'at least one kill fell between two applied batches with events left to read');
  await writing;
  const child = await startChild();
  assert.is(await queries.waitForPosition(latest, 60_000), true, 'the restarted projector catches up');
  await kill(child, 'SIGTERM');

  // The same consumer, from scratch, into a schema of its own, outbox included.
  await buildFromScratch(store, pool, 'from_scratch', latest, createProjections({ feedFanoutLimit }));
  const projected = await snapshotReadModels(pool, liveSchema);
  assert.ok((projected.feed_merged_authors ?? []).length > 0, 'FEED_FANOUT_LIMIT reached the projector: some authors are merged');
  assert.equal(projected, await snapshotReadModels(pool, 'from_scratch'));
  const outbox = (schema: string) => pool.query(`SELECT event_id, recipients::text[], payload::text FROM ${schema}.outbox ORDER BY 1`).then((r) => r.rows);
  const live = await outbox(liveSchema);
  assert.ok(live.length > 0, 'posts to friends were written to the outbox');
  assert.equal(live, await outbox('from_scratch'), 'every notification once: none lost, none doubled');
});

test('PostgreSQL ends the projector\'s sessions over and over while it works (as a restart does): it stays up, catches up, and ends equal to a from-scratch build', async () => {
  // Its sessions carry their own application name, so only they are ended.
  const child = await startChild({ PGAPPNAME: 'projector-under-test' });
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  const writing = writeHistory(users, 150);
  let ended = 0;
  for (let i = 0; i < 40 && exited === undefined; i += 1) {
    const { rows } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity, pg_terminate_backend(pid) WHERE application_name = 'projector-under-test' AND datname = current_database()`);
    ended += rows[0]?.n ?? 0;
    await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 100));
  }
  await writing;
  assert.ok(ended > 0, 'sessions of the projector were ended');
  assert.is(exited, undefined, 'the projector is still running');
  const queries = createReadModelQueries(pool);
  assert.is(await queries.waitForPosition(latest, 60_000), true, 'it catches up');
  assert.is(exited, undefined, 'the projector is still running');
  await kill(child, 'SIGTERM');
  await buildFromScratch(store, pool, 'from_scratch_after_ends', latest, createProjections({ feedFanoutLimit }));
  assert.equal(await snapshotReadModels(pool, liveSchema), await snapshotReadModels(pool, 'from_scratch_after_ends'));
});

test.run();
