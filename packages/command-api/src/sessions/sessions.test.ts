import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { v7 as uuidv7 } from 'uuid';
import { call, type Answer } from '@herald/kit/testing';
import type { ExtraApi, Harness } from '../testing/harness.js';
import { registeredUser, startExtraApi, startHarness } from '../testing/harness.js';

let h: Harness;
/** A second API on the same database: one-second sessions, a low per-address limit, X-Forwarded-For trusted. */
let strict: ExtraApi;
/** Default login limits, client addresses from X-Forwarded-For. */
let proxied: ExtraApi;
/** A low per-user bound (4 failures from all addresses, 2 per address), X-Forwarded-For trusted. */
let userBound: ExtraApi;

test.before(async () => {
  h = await startHarness('command_api_sessions');
  strict = await startExtraApi(h.db.url, { SESSION_TTL_SECONDS: '1', LOGIN_FAILURES_PER_CLIENT: '3', TRUST_PROXY: 'true' });
  proxied = await startExtraApi(h.db.url, { TRUST_PROXY: 'true' });
  userBound = await startExtraApi(h.db.url, { TRUST_PROXY: 'true', LOGIN_FAILURES_PER_USER: '4', LOGIN_FAILURES_PER_USER_AND_CLIENT: '2' });
});

test.after(async () => {
  await strict.stop();
  await proxied.stop();
  await userBound.stop();
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
  const ann = await registeredUser(strict.baseUrl);
  await sleep(1_500);
  unauthenticated(await call(strict.baseUrl, 'POST', '/post/create', { json: { text: 'x' }, token: ann.token }));
});

test('login: a wrong password is 400, an unknown user 404 (as the OTUS contract says)', async () => {
  const ann = await registeredUser(h.baseUrl);
  const wrong = await call(h.baseUrl, 'POST', '/login', { json: { id: ann.id, password: 'not the password' } });
  assert.is(wrong.status, 400);
  assert.is(wrong.body.error, 'invalid_credentials');
  const unknown = await call(h.baseUrl, 'POST', '/login', { json: { id: uuidv7(), password: 'whatever1' } });
  assert.is(unknown.status, 404);
});

test('failed logins are limited per user id and client address: 429 with Retry-After, even with the right password', async () => {
  const ann = await registeredUser(h.baseUrl);
  const login = (password: string) => call(h.baseUrl, 'POST', '/login', { json: { id: ann.id, password } });
  for (let i = 0; i < 5; i++) assert.is((await login(`wrong ${i}`)).status, 400);
  const limited = await login(ann.password);
  assert.is(limited.status, 429);
  assert.is(limited.body.error, 'too_many_login_failures');
  const retryAfter = Number(limited.headers.get('retry-after'));
  assert.ok(retryAfter >= 1 && retryAfter <= 900, `Retry-After ${retryAfter}`);
});

test('regression (issue 14): a burst of parallel wrong passwords gets no more guesses than the limit', async () => {
  // The limiter read its counters before scrypt ran and counted failures after, so
  // every request of a burst passed the check: unlimited guesses per window.
  const ann = await registeredUser(h.baseUrl);
  const answers = await Promise.all(
    Array.from({ length: 20 }, (_, i) => call(h.baseUrl, 'POST', '/login', { json: { id: ann.id, password: `guess ${i}` } })),
  );
  const guessed = answers.filter((a) => a.status === 400).length;
  const refused = answers.filter((a) => a.status === 429 && a.body.error === 'too_many_login_failures').length;
  assert.ok(guessed <= 5, `${guessed} passwords were checked; the limit is 5`);
  assert.is(guessed + refused, 20, JSON.stringify(answers.map((a) => a.status)));
});

test("regression (issue 14): a stranger's failed logins do not lock the user out from another address", async () => {
  // User ids are public: with a per-user limit of 5, anyone could lock anyone out.
  const ann = await registeredUser(proxied.baseUrl);
  const from = (address: string, password: string) =>
    call(proxied.baseUrl, 'POST', '/login', { json: { id: ann.id, password }, headers: { 'x-forwarded-for': address } });
  for (let i = 0; i < 5; i++) assert.is((await from('203.0.113.66', `wrong ${i}`)).status, 400);
  assert.is((await from('203.0.113.66', ann.password)).status, 429, 'the stranger is refused');
  assert.is((await from('198.51.100.20', ann.password)).status, 200, 'the user, from elsewhere, is not');
});

test('failed logins of one user from many addresses are bounded too, except from an address the user logged in from', async () => {
  const ann = await registeredUser(userBound.baseUrl);
  const from = (address: string, password: string) =>
    call(userBound.baseUrl, 'POST', '/login', { json: { id: ann.id, password }, headers: { 'x-forwarded-for': address } });
  assert.is((await from('192.0.2.1', ann.password)).status, 200, 'the user logs in from home');
  for (const address of ['203.0.113.1', '203.0.113.2']) {
    for (let i = 0; i < 2; i++) assert.is((await from(address, `wrong ${i}`)).status, 400);
  }
  const limited = await from('203.0.113.3', ann.password);
  assert.is(limited.status, 429, 'a fresh address is refused once the user has 4 failures');
  assert.ok(Number(limited.headers.get('retry-after')) >= 1);
  assert.is((await from('192.0.2.1', ann.password)).status, 200, 'home is not');
});

test('failed logins are limited per client address, across user ids', async () => {
  // One after another: logins in flight count against the address's bound of 3 until they succeed.
  const users = [];
  for (let i = 0; i < 4; i++) users.push(await registeredUser(strict.baseUrl));
  const from = (address: string, user: { id: string }, password: string) =>
    call(strict.baseUrl, 'POST', '/login', { json: { id: user.id, password }, headers: { 'x-forwarded-for': address } });
  for (const user of users.slice(0, 3)) assert.is((await from('203.0.113.7', user, 'wrong password')).status, 400);
  const limited = await from('203.0.113.7', users[3]!, users[3]!.password);
  assert.is(limited.status, 429);
  assert.ok(Number(limited.headers.get('retry-after')) >= 1);
  assert.is((await from('198.51.100.9', users[3]!, users[3]!.password)).status, 200, 'another address is not limited');
});

test.run();
