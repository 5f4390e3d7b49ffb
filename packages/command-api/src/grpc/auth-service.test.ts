import type { AuthServiceClient } from '@herald/contracts/grpc';
import { AuthServiceDefinition } from '@herald/contracts/grpc';
import type { Channel } from 'nice-grpc';
import { ClientError, createChannel, createClient, Status } from 'nice-grpc';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { call } from '@herald/kit/testing';
import type { Harness } from '../testing/harness.js';
import { registeredUser, startHarness } from '../testing/harness.js';

let h: Harness;
let channel: Channel;
let client: AuthServiceClient;

test.before(async () => {
  h = await startHarness('command_api_grpc');
  channel = createChannel(`127.0.0.1:${h.api.grpcPort}`);
  client = createClient(AuthServiceDefinition, channel);
});

test.after(async () => {
  channel.close();
  await h.close();
});

async function statusOf(promise: Promise<unknown>): Promise<Status> {
  try {
    await promise;
  } catch (error) {
    assert.instance(error, ClientError);
    return (error as ClientError).code;
  }
  throw new Error('expected the call to fail');
}

test('ValidateToken answers the user id of a live token', async () => {
  const ann = await registeredUser(h.baseUrl);
  const answer = await client.validateToken({ token: ann.token });
  assert.is(answer.userId, ann.id);
});

test('ValidateToken answers how long the session has left (at most SESSION_TTL_SECONDS)', async () => {
  const ann = await registeredUser(h.baseUrl);
  const { expiresInMs } = await client.validateToken({ token: ann.token });
  assert.ok(expiresInMs > 0 && expiresInMs <= h.config.SESSION_TTL_SECONDS * 1000, String(expiresInMs));
});

test('garbage, empty and unknown tokens are UNAUTHENTICATED', async () => {
  assert.is(await statusOf(client.validateToken({ token: 'garbage' })), Status.UNAUTHENTICATED);
  assert.is(await statusOf(client.validateToken({ token: '' })), Status.UNAUTHENTICATED);
  assert.is(await statusOf(client.validateToken({ token: 'B'.repeat(43) })), Status.UNAUTHENTICATED);
});

test('a revoked token is UNAUTHENTICATED', async () => {
  const ann = await registeredUser(h.baseUrl);
  await call(h.baseUrl, 'POST', '/logout', { token: ann.token });
  assert.is(await statusOf(client.validateToken({ token: ann.token })), Status.UNAUTHENTICATED);
});

test.run();
