import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '@herald/kit';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { v7 as uuidv7 } from 'uuid';
import { settings } from '../settings.js';
import type { CommandApi } from '../start.js';
import { startCommandApi } from '../start.js';
import type { Answer, Harness } from '../testing/harness.js';
import { call, harnessEnv, registeredUser, startHarness } from '../testing/harness.js';

let h: Harness;
/** A second API on the same database: one-second sessions, a low per-address limit, X-Forwarded-For trusted. */
let strict: CommandApi;
let strictUrl: string;

test.before(async () => {
  h = await startHarness('command_api_sessions');
  strict = await startCommandApi(
    loadConfig(settings, {
      ...harnessEnv(h.db.url),
      SESSION_TTL_SECONDS: '1',
      LOGIN_FAILURES_PER_CLIENT: '3',
      TRUST_PROXY: 'true',
    }),
  );
  strictUrl = `http://127.0.0.1:${strict.httpPort}`;
});

test.after(async () => {
  await strict.stop();
  await h.close();
});

function unauthenticated(answer: Answer): void {
  assert.is(answer.status, 401, JSON.stringify(answer.body));
  assert.is(answer.headers.get('www-authenticate'), 'Bearer');
  assert.is(answer.body.error, 'unauthenticated');
}

const createPost = (token?: string, headers?: Record<string, string>) =>
  call(h.baseUrl, 'POST', '/post/create', { json: { text: 'hi' }, ...(token === undefined ? {} : { token }), ...(headers ? { headers } : {}) });

test('a valid token is accepted', async () => {
  const ann = await registeredUser(h.baseUrl);
  assert.is((await createPost(ann.token)).status, 200);
});

test('a missing, malformed or garbage token is 401 with WWW-Authenticate: Bearer', async () => {
  unauthenticated(await createPost());
  unauthenticated(await createPost(undefined, { authorization: 'Basic YWxhZGRpbjpvcGVuc2VzYW1l' }));
  unauthenticated(await createPost(undefined, { authorization: 'Bearer' }));
  unauthenticated(await createPost('garbage'));
  unauthenticated(await createPost('A'.repeat(43)));
  unauthenticated(await createPost("' OR 1=1 --"));
  unauthenticated(await call(h.baseUrl, 'GET', '/post/feed'));
});

test('logout revokes the token; other sessions of the user live on', async () => {
  const ann = await registeredUser(h.baseUrl);
  const second = (await call(h.baseUrl, 'POST', '/login', { json: { id: ann.id, password: ann.password } })).body.token;
  assert.is((await call(h.baseUrl, 'POST', '/logout', { token: ann.token })).status, 200);
  unauthenticated(await createPost(ann.token));
  unauthenticated(await call(h.baseUrl, 'POST', '/logout', { token: ann.token }));
  assert.is((await createPost(second)).status, 200);
});

test('a token expires after its TTL', async () => {
  // (That such a token works before it expires is the first test's point; checking it
  // here too would race the one-second TTL on a busy machine.)
  const ann = await registeredUser(strictUrl);
  await sleep(1_500);
  unauthenticated(await call(strictUrl, 'POST', '/post/create', { json: { text: 'x' }, token: ann.token }));
});

test('login: a wrong password is 400, an unknown user 404 (as the OTUS contract says)', async () => {
  const ann = await registeredUser(h.baseUrl);
  const wrong = await call(h.baseUrl, 'POST', '/login', { json: { id: ann.id, password: 'not the password' } });
  assert.is(wrong.status, 400);
  assert.is(wrong.body.error, 'invalid_credentials');
  const unknown = await call(h.baseUrl, 'POST', '/login', { json: { id: uuidv7(), password: 'whatever1' } });
  assert.is(unknown.status, 404);
});

test('failed logins are limited per user id: 429 with Retry-After, even with the right password', async () => {
  const ann = await registeredUser(h.baseUrl);
  const login = (password: string) => call(h.baseUrl, 'POST', '/login', { json: { id: ann.id, password } });
  for (let i = 0; i < 5; i++) assert.is((await login(`wrong ${i}`)).status, 400);
  const limited = await login(ann.password);
  assert.is(limited.status, 429);
  assert.is(limited.body.error, 'too_many_login_failures');
  const retryAfter = Number(limited.headers.get('retry-after'));
  assert.ok(retryAfter >= 1 && retryAfter <= 900, `Retry-After ${retryAfter}`);
});

test('failed logins are limited per client address, across user ids', async () => {
  const users = await Promise.all([1, 2, 3, 4].map(() => registeredUser(strictUrl)));
  const from = (address: string, user: { id: string }, password: string) =>
    call(strictUrl, 'POST', '/login', { json: { id: user.id, password }, headers: { 'x-forwarded-for': address } });
  for (const user of users.slice(0, 3)) assert.is((await from('203.0.113.7', user, 'wrong password')).status, 400);
  const limited = await from('203.0.113.7', users[3]!, users[3]!.password);
  assert.is(limited.status, 429);
  assert.ok(Number(limited.headers.get('retry-after')) >= 1);
  assert.is((await from('198.51.100.9', users[3]!, users[3]!.password)).status, 200, 'another address is not limited');
});

test.run();
