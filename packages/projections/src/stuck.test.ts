import { postStream, userStream } from '@herald/contracts';
import type { EventStore } from '@herald/eventstore';
import { eventually } from '@herald/kit/testing';
import type pg from 'pg';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { v7 as uuid } from 'uuid';
import { readCheckpoints } from './checkpoints.js';
import type { Projector } from './projector.js';
import type { ReadModelQueries } from './queries.js';
import { liveSchema } from './schema.js';
import { appendEvent } from './testing.js';
import { startTestProjector, type TestProjector } from './testing-projector.js';

/** A projector whose batches fail for a reason that is not the record's: it must say so, not retry in silence. */
let running: TestProjector | undefined;
let pool: pg.Pool;
let store: EventStore;
let projector: Projector;
let queries: ReadModelQueries;

interface Readiness {
  readonly status: number;
  readonly body: { status: string; checks: Record<string, string> };
}

async function readiness(): Promise<Readiness> {
  const answer = await fetch(`http://127.0.0.1:${projector.port}/readyz`);
  return { status: answer.status, body: (await answer.json()) as Readiness['body'] };
}

async function metric(name: string): Promise<number | undefined> {
  const text = await (await fetch(`http://127.0.0.1:${projector.port}/metrics`)).text();
  const match = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

test.before(async () => {
  running = await startTestProjector('projections_stuck');
  ({ pool, store, projector, queries } = running);
});

test.after(async () => {
  await running?.stop();
});

test('a batch failing with a non-data error shows on /readyz and /metrics with its event and position, until it goes through', async () => {
  const author = uuid();
  const registered = await appendEvent(store, userStream(author), 'UserRegistered', {
    userId: author, firstName: 'Ada', secondName: 'Byron', birthdate: '1815-12-10', biography: 'engines', city: 'London', passwordHash: 'scrypt$x',
  });
  assert.is(await queries.waitForPosition(registered.position, 15_000), true);
  await eventually(async () => ((await readiness()).status === 200 ? true : undefined), 'ready at first', 15_000);
  assert.is(await metric('herald_projector_stuck'), 0);

  // Not the record's fault (SQLSTATE 42P01, undefined table): retried, never skipped.
  await pool.query(`ALTER TABLE ${liveSchema}.posts RENAME TO posts_away`);
  const postId = uuid();
  const created = await appendEvent(store, postStream(postId), 'PostCreated', { postId, authorId: author, text: 'stuck behind a missing table' });
  const [recorded] = await store.readStream(postStream(postId));
  const stuck = await eventually(async () => {
    const answer = await readiness();
    return answer.status === 503 && answer.body.checks.projection !== 'ok' ? answer : undefined;
  }, 'not ready, with the reason', 15_000);
  const reason = stuck.body.checks.projection ?? '';
  assert.match(reason, created.position);
  assert.match(reason, recorded?.id ?? 'the event id');
  assert.match(reason, 'PostCreated');
  assert.match(reason, /relation "posts" does not exist/);
  assert.is(await metric('herald_projector_stuck'), 1);
  assert.ok(((await metric('herald_projector_failures_total')) ?? 0) >= 1, 'failures counted');
  assert.ok(((await readCheckpoints(pool, liveSchema)).get('posts') ?? '') < created.position, 'nothing skipped: the post waits');

  await pool.query(`ALTER TABLE ${liveSchema}.posts_away RENAME TO posts`);
  assert.is(await queries.waitForPosition(created.position, 15_000), true);
  await eventually(async () => ((await readiness()).status === 200 ? true : undefined), 'ready again once the batch went through', 15_000);
  assert.is(await metric('herald_projector_stuck'), 0);
  assert.is((await queries.getPost(postId))?.text, 'stuck behind a missing table');
});

test('a log it cannot read shows on /readyz with the checkpoint it reads after, and clears once the log reads again, with nothing new to apply', async () => {
  await eventually(async () => ((await readiness()).status === 200 ? true : undefined), 'ready at first', 15_000);
  const checkpoint = (await readCheckpoints(pool, liveSchema)).get('users') ?? '';
  await pool.query('ALTER TABLE events RENAME TO events_away');
  const stuck = await eventually(async () => {
    const answer = await readiness();
    return answer.status === 503 && answer.body.checks.projection !== 'ok' ? answer : undefined;
  }, 'not ready, with the reason', 15_000);
  const reason = stuck.body.checks.projection ?? '';
  assert.match(reason, `reading the log after position ${checkpoint}`);
  assert.match(reason, /relation "events" does not exist/);
  assert.is(await metric('herald_projector_stuck'), 1);

  await pool.query('ALTER TABLE events_away RENAME TO events');
  await eventually(async () => ((await readiness()).status === 200 ? true : undefined), 'ready again once the log reads', 15_000);
  assert.is(await metric('herald_projector_stuck'), 0);
});

test.run();
