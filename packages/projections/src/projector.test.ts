import { friendshipStream, postStream, postsExchangeType, userStream } from '@herald/contracts';
import type { EventStore } from '@herald/eventstore';
import { eventually } from '@herald/kit/testing';
import amqp from 'amqplib';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { v7 as uuid } from 'uuid';
import type { Projector } from './projector.js';
import type { ReadModelQueries } from './queries.js';
import { appendEvent } from './testing.js';
import { startTestProjector, type TestProjector } from './testing-projector.js';

let running: TestProjector | undefined;
let store: EventStore;
let projector: Projector;
let queries: ReadModelQueries;

const ops = (path: string) => fetch(`http://127.0.0.1:${projector.port}${path}`);

test.before(async () => {
  running = await startTestProjector('projections_projector');
  ({ store, projector, queries } = running);
});

test.after(async () => {
  await running?.stop();
});

test('events appended to the log show in the read models once their position is reached', async () => {
  const [alice, bob, postId] = [uuid(), uuid(), uuid()];
  await appendEvent(store, userStream(alice), 'UserRegistered', {
    userId: alice, firstName: 'Alice', secondName: 'Liddell', birthdate: '2000-05-04', biography: 'tea', city: 'Oxford', passwordHash: 'scrypt$x',
  });
  await appendEvent(store, friendshipStream(alice, bob), 'FriendAdded', { userId: alice, friendId: bob });
  const { position } = await appendEvent(store, postStream(postId), 'PostCreated', { postId, authorId: alice, text: 'Down the rabbit hole' });
  assert.is(await queries.waitForPosition(position, 10_000), true);
  assert.is((await queries.getUser(alice))?.first_name, 'Alice');
  assert.equal((await queries.getFeed(bob, 0, 10)).map(({ created_at: _time, ...otus }) => otus), [{ id: postId, text: 'Down the rabbit hole', author_user_id: alice }]);
  assert.ok((await queries.projectedPosition() ?? '') >= position);
});

test('a post appended live reaches a RabbitMQ consumer of a friend', async () => {
  const [author, reader, postId] = [uuid(), uuid(), uuid()];
  const { exchange, rabbitmqUrl } = running!;
  const connection = await amqp.connect(rabbitmqUrl);
  try {
    const channel = await connection.createChannel();
    await channel.assertExchange(exchange, postsExchangeType, { durable: true });
    const { queue } = await channel.assertQueue('', { exclusive: true });
    await channel.bindQueue(queue, exchange, '');
    const bodies: unknown[] = [];
    await channel.consume(queue, (m) => m && bodies.push(JSON.parse(m.content.toString())), { noAck: true });
    await appendEvent(store, friendshipStream(author, reader), 'FriendAdded', { userId: reader, friendId: author });
    const created = await appendEvent(store, postStream(postId), 'PostCreated', { postId, authorId: author, text: 'live' });
    const [appended] = await store.readStream(postStream(postId));
    const body = await eventually(() => bodies[0], 'a notification', 15_000);
    const { committedAt, ...rest } = body as { committedAt: string };
    assert.equal(rest, {
      eventId: appended?.id, position: created.position, kind: 'post.created', payload: { postId, postText: 'live', author_user_id: author },
      recipients: [reader], part: 0, parts: 1,
    });
    assert.is(Date.parse(committedAt), appended?.createdAt.getTime(), 'when the post was committed to the log');
  } finally {
    await connection.close();
  }
});

test('ops endpoints: healthy, ready once every dependency answers, lag in the metrics', async () => {
  assert.is((await ops('/healthz')).status, 200);
  await eventually(async () => ((await ops('/readyz')).status === 200 ? true : undefined), 'readiness');
  const metrics = await (await ops('/metrics')).text();
  const count = /herald_projector_lag_seconds_count\{[^}]*\} (\d+)/.exec(metrics);
  assert.ok(count && Number(count[1]) > 0, 'lag observed');
  assert.is((await ops('/nowhere')).status, 404);
});

test.run();
