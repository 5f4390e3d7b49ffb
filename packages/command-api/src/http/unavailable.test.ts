import { AuthServiceDefinition } from '@herald/contracts/grpc';
import { loadConfig } from '@herald/kit';
import { call, freePort, uniqueName, type Answer } from '@herald/kit/testing';
import { ClientError, createChannel, createClient, Status } from 'nice-grpc';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { v7 as uuidv7 } from 'uuid';
import { settings } from '../settings.js';
import type { CommandApi } from '../start.js';
import { startCommandApi } from '../start.js';
import { newUser } from '../testing/harness.js';

/** An API whose PostgreSQL (event store and read models) and Redis are all away: nothing listens on their ports. */
let api: CommandApi;
let baseUrl: string;
/** An API whose PostgreSQL is away but whose Redis answers (registration counts there first). */
let storeAway: CommandApi;

const awayEnv = (deadPostgres: number, redisUrl: string) => ({
  DATABASE_URL: `postgres://postgres@127.0.0.1:${deadPostgres}/herald`,
  REDIS_URL: redisUrl,
  MIGRATE_ON_START: 'false',
  HTTP_HOST: '127.0.0.1',
  HTTP_PORT: '0',
  GRPC_PORT: '0',
  REDIS_KEY_PREFIX: `${uniqueName('herald-test.unavailable')}:`,
  LOG_LEVEL: 'silent',
  SCRYPT_LOG2_COST: '10',
});

test.before(async () => {
  const [deadPostgres, deadRedis] = [await freePort(), await freePort()];
  api = await startCommandApi(loadConfig(settings, awayEnv(deadPostgres, `redis://127.0.0.1:${deadRedis}`)));
  baseUrl = `http://127.0.0.1:${api.httpPort}`;
  storeAway = await startCommandApi(loadConfig(settings, awayEnv(deadPostgres, process.env.REDIS_URL ?? 'redis://127.0.0.1:6379')));
});

test.after(async () => {
  await api.stop();
  await storeAway.stop();
});

/** 503 with Retry-After and the table's message: the cause is logged, never shown. */
function unavailable(answer: Answer, error: string): void {
  assert.is(answer.status, 503, JSON.stringify(answer.body));
  assert.is(answer.body.error, error);
  assert.ok(Number(answer.headers.get('retry-after')) >= 1);
  assert.not.match(answer.body.message, /ECONNREFUSED|127\.0\.0\.1|connect|stack/i);
}

test('a command while the event store is away is 503 with Retry-After', async () => {
  unavailable(await call(`http://127.0.0.1:${storeAway.httpPort}`, 'POST', '/user/register', { json: newUser() }), 'event_store_unavailable');
});

test('login, registration and authenticated routes while Redis is away are 503 with Retry-After', async () => {
  unavailable(await call(baseUrl, 'POST', '/login', { json: { id: uuidv7(), password: 'password1' } }), 'session_store_unavailable');
  // Registrations per address are counted in Redis: the bound is not dropped while it is away.
  unavailable(await call(baseUrl, 'POST', '/user/register', { json: newUser() }), 'session_store_unavailable');
  unavailable(await call(baseUrl, 'POST', '/post/create', { json: { text: 'x' }, token: 'C'.repeat(43) }), 'session_store_unavailable');
});

test('a query while the read-model database is away is 503 with Retry-After', async () => {
  unavailable(await call(baseUrl, 'GET', `/user/get/${uuidv7()}`), 'read_model_unavailable');
});

test('gRPC ValidateToken while Redis is away is UNAVAILABLE', async () => {
  const channel = createChannel(`127.0.0.1:${api.grpcPort}`);
  try {
    await createClient(AuthServiceDefinition, channel).validateToken({ token: 'D'.repeat(43) });
    assert.unreachable('expected UNAVAILABLE');
  } catch (error) {
    assert.instance(error, ClientError);
    assert.is((error as ClientError).code, Status.UNAVAILABLE);
  } finally {
    channel.close();
  }
});

test('the process is alive but not ready', async () => {
  assert.is((await call(baseUrl, 'GET', '/healthz')).status, 200);
  const ready = await call(baseUrl, 'GET', '/readyz');
  assert.is(ready.status, 503);
  assert.equal(Object.keys(ready.body.checks).sort(), ['eventstore', 'read-models', 'redis']);
});

test.run();
