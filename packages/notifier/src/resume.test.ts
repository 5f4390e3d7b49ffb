import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resumeFailedSchema } from '@herald/contracts';
import { inPool } from '@herald/kit';
import { Redis } from 'ioredis';
import { eventually, uniqueName } from '@herald/kit/testing';
import { connectFeed, type FeedClient, postsReceived } from './testing/feed-client.js';
import { startIdentities, type Identities, type User } from './testing/identities.js';
import { spawnNotifier, spawnProjector, type HeraldProcess } from './testing/notifiers.js';

// The whole way, as `make up` runs it: command API -> projector (outbox, history in
// Redis) -> RabbitMQ -> notifiers. Clients resume with the cursor of the last post they got.
const exchange = uniqueName('herald.posts');
let ids: Identities;
let projector: HeraldProcess;
let notifierA: HeraldProcess;
let notifierB: HeraldProcess;
let author: User;
let readers: User[];
/** The position of the last setup command: every post of the tests comes after it. */
let setupPosition: string;
const clients: FeedClient[] = [];
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

async function post(text: string, by = author): Promise<string> {
  const { headers } = await ids.request('POST', '/post/create', by.token, { text });
  const position = headers.get('x-herald-position');
  if (!position) throw new Error('POST /post/create answered no X-Herald-Position');
  return position;
}

async function historyLength(user: User): Promise<number> {
  const redis = new Redis(redisUrl);
  try {
    return await redis.llen(`${ids.redisKeyPrefix}history:u:${user.id}`);
  } finally {
    redis.disconnect();
  }
}

/** Deletes this test's notification history from Redis, as a Redis restart would. */
/** The user's newest history entry ('' when none). */
async function newestInHistory(user: User): Promise<string> {
  const redis = new Redis(redisUrl);
  try {
    return (await redis.lindex(`${ids.redisKeyPrefix}history:u:${user.id}`, 0)) ?? '';
  } finally {
    redis.disconnect();
  }
}

async function forgetHistory(): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    const keys = await redis.keys(`${ids.redisKeyPrefix}history:*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}

async function connect(notifier: HeraldProcess, user: User, since?: string): Promise<FeedClient> {
  const client = await connectFeed(notifier.url, await ids.login(user.id), 'bearer', undefined, { since });
  clients.push(client);
  return client;
}

const received = (client: FeedClient, count: number, what: string) => postsReceived(client, count, what, 30_000);

test.before(async () => {
  ids = await startIdentities('notifier_resume');
  const env = { FEED_EXCHANGE: exchange, REDIS_KEY_PREFIX: ids.redisKeyPrefix };
  projector = await spawnProjector({ ...env, DATABASE_URL: ids.databaseUrl });
  notifierA = await spawnNotifier({ ...env, AUTH_GRPC_ADDRESS: ids.authAddress });
  notifierB = await spawnNotifier({ ...env, AUTH_GRPC_ADDRESS: ids.authAddress });
  author = await ids.register('Author');
  readers = await Promise.all(Array.from({ length: 6 }, (_, i) => ids.register(`Reader${i}`)));
  for (const reader of readers) {
    const { headers } = await ids.request('PUT', `/friend/set/${reader.id}`, author.token);
    setupPosition = headers.get('x-herald-position') ?? '';
  }
});

test.after(async () => {
  for (const c of clients) c.ws.terminate();
  for (const p of [notifierA, notifierB, projector]) await p?.stop('SIGKILL');
  await ids?.stop();
});

test('a client that drops gets the three posts it missed once, in order, when it resumes; then live posts', async () => {
  const [reader] = readers as [User];
  const first = await connect(notifierA, reader);
  const before = await post('before the drop');
  assert.equal((await received(first, 1, 'the first post')).map((m) => m.cursor), [before]);
  await first.close();
  const missed = [await post('missed one'), await post('missed two'), await post('missed three')];
  const again = await connect(notifierA, reader, before);
  assert.equal((await received(again, 3, 'the missed posts')).map((m) => [m.cursor, m.postText]),
    missed.map((cursor, i) => [cursor, ['missed one', 'missed two', 'missed three'][i]]));
  const live = await post('live after the resume');
  const all = await received(again, 4, 'the live post');
  assert.equal(all.map((m) => m.cursor), [...missed, live], 'none twice, nothing else');
  assert.equal(again.frames.length, 4, 'no control frame for a recovered gap');
});

test('the seam holds: 1,000 posts at full speed while clients keep dropping and resuming; each gets every post once, in log order', async () => {
  const watchers = readers.slice(1);
  const seen = watchers.map(() => [] as string[]);
  const controls = watchers.map(() => [] as string[]);
  let posting = true;
  // Each watcher keeps one socket at a time and replaces it with a resumed one at random moments.
  const finals: FeedClient[] = [];
  const churn = watchers.map(async (reader, w) => {
    let since = setupPosition;
    let drops = 0;
    while (posting || drops === 0) {
      const client = await connect(w % 2 === 0 ? notifierA : notifierB, reader, since);
      await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 250));
      await client.close();
      drops += 1;
      seen[w]!.push(...client.messages.map((m) => m.cursor));
      controls[w]!.push(...client.frames.filter((f) => resumeFailedSchema.safeParse(f).success).map((f) => JSON.stringify(f)));
      since = client.messages.at(-1)?.cursor ?? since;
    }
    finals[w] = await connect(notifierB, reader, since);
  });
  const positions = await inPool(1000, 16, (n) => post(`burst ${n}`));
  posting = false;
  await Promise.all(churn);
  const expected = [...positions].sort();
  for (const [w, earlier] of seen.entries()) {
    const final = finals[w]!;
    await eventually(() => (earlier.length + final.messages.length >= expected.length ? true : undefined), `watcher ${w} to hold every post`, 60_000)
      .catch(() => undefined);
    // Posts of the tests before this one come too: the watchers resume from before them.
    const cursors = [...earlier, ...final.messages.map((m) => m.cursor)].filter((c) => c >= expected[0]!);
    const got = new Set(cursors);
    const missing = expected.filter((c) => !got.has(c));
    const twice = cursors.length - got.size;
    const disorder = cursors.findIndex((c, i) => i > 0 && c <= cursors[i - 1]!);
    assert.equal({ missing: missing.length, twice, firstOutOfOrder: disorder }, { missing: 0, twice: 0, firstOutOfOrder: -1 },
      `watcher ${w}: every post once, in log order (${cursors.length} of ${expected.length}; first missing ${missing[0]} at ${expected.indexOf(missing[0] ?? '')}; control frames: ${controls[w]!.join(' ') || 'none'})`);
  }
});

test('a cursor from before what history holds (here: Redis lost it), and cursors that are not cursors, get the control frame; live posts follow', async () => {
  const reader = readers[0]!;
  const older = await post('lost with the history, one');
  await post('lost with the history, two');
  // Both: were 'two' written after the keys are gone, history would start just before it, at 'one'.
  await eventually(async () => ((await newestInHistory(reader)).includes('lost with the history, two') ? true : undefined), 'the posts in the history');
  // What a Redis restart does to this deployment's history: its keys are gone.
  await forgetHistory();
  await post('the first post history holds again');
  // Until the relay writes again, Redis knows nothing of where history starts: that is history_unavailable, not this test's case.
  await eventually(async () => ((await historyLength(reader)) > 0 ? true : undefined), 'the new post in the history');
  for (const [since, reason] of [
    // Owed 'two', which history no longer holds: not recovered, rather than recovered in part.
    [older, 'cursor_too_old'],
    ['not-a-cursor', 'cursor_unknown'],
    ['x'.repeat(4000), 'cursor_unknown'],
    ["'; DROP TABLE events; --", 'cursor_unknown'],
  ] as const) {
    const client = await connect(notifierA, reader, since);
    const control = await eventually(() => client.frames[0], `the control frame for ${since.slice(0, 20)}`);
    const parsed = resumeFailedSchema.parse(control);
    assert.is(parsed.reason, reason);
    assert.ok(parsed.message.length > 0);
    const live = await post(`after ${reason}`);
    assert.equal((await received(client, 1, 'a live post after the control frame')).map((m) => m.cursor), [live]);
    await client.close();
  }
  const plain = await connect(notifierA, reader);
  await post('to a client that did not resume');
  await received(plain, 1, 'the post');
  assert.ok(plain.frames.every((f) => resumeFailedSchema.safeParse(f).success === false), 'only clients that sent since get a control frame');
});

test('a notifier killed with SIGKILL: its clients resume on another notifier and miss nothing', async () => {
  const doomed = await spawnNotifier({ FEED_EXCHANGE: exchange, REDIS_KEY_PREFIX: ids.redisKeyPrefix, AUTH_GRPC_ADDRESS: ids.authAddress });
  const [one, two] = [readers[2]!, readers[3]!];
  const sockets = [await connect(doomed, one), await connect(doomed, two)];
  const before = await post('before the kill');
  for (const s of sockets) await received(s, 1, 'the post before the kill');
  await doomed.stop('SIGKILL');
  for (const s of sockets) await s.closed;
  const missed = [await post('while down 1'), await post('while down 2')];
  const resumed = [await connect(notifierB, one, before), await connect(notifierB, two, before)];
  const live = await post('after the move');
  for (const s of resumed) assert.equal((await received(s, 3, 'what was missed, then live')).map((m) => m.cursor), [...missed, live]);
});

test.run();
