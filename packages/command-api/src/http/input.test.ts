import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { call, type Answer } from '@herald/kit/testing';
import type { Harness } from '../testing/harness.js';
import { newUser, registeredUser, startHarness } from '../testing/harness.js';

let h: Harness;
let ann: { id: string; token: string };

test.before(async () => {
  h = await startHarness('command_api_input');
  ann = await registeredUser(h.baseUrl);
});

test.after(async () => {
  await h.close();
});

/** A 4xx with the error body naming the problem. */
function refused(answer: Answer, status: number, mentions?: string): void {
  assert.is(answer.status, status, JSON.stringify(answer.body));
  const keys = Object.keys(answer.body).filter((k) => k !== 'problems').sort();
  assert.equal(keys, ['code', 'error', 'message', 'request_id']);
  assert.type(answer.body.code, 'number');
  assert.is(answer.body.request_id, answer.headers.get('x-request-id'));
  if (mentions) assert.match(answer.body.message, mentions);
}

const register = (fields: Record<string, unknown>) => call(h.baseUrl, 'POST', '/user/register', { json: newUser(fields) });

test('malformed JSON is 400', async () => {
  refused(await call(h.baseUrl, 'POST', '/user/register', { raw: '{"first_name": "Ann",', contentType: 'application/json' }), 400);
  refused(await call(h.baseUrl, 'POST', '/post/create', { raw: 'nul', contentType: 'application/json', token: ann.token }), 400);
});

test('a body that is not JSON is 415', async () => {
  refused(await call(h.baseUrl, 'POST', '/user/register', { raw: 'first_name=Ann', contentType: 'application/x-www-form-urlencoded' }), 415);
  refused(await call(h.baseUrl, 'POST', '/post/create', { raw: 'hello', contentType: 'text/plain', token: ann.token }), 415);
});

test('a body over the limit is 413, whether its length is declared or streamed', async () => {
  const huge = JSON.stringify({ text: 'x'.repeat(70_000) });
  refused(await call(h.baseUrl, 'POST', '/post/create', { raw: huge, contentType: 'application/json', token: ann.token }), 413);
  const chunks = new ReadableStream({
    start(controller) {
      for (let i = 0; i < 20; i++) controller.enqueue(new TextEncoder().encode(i === 0 ? '{"text":"' : 'y'.repeat(5_000)));
      controller.close();
    },
  });
  const response = await fetch(`${h.baseUrl}/post/create`, {
    method: 'POST',
    body: chunks,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ann.token}` },
    duplex: 'half',
  });
  assert.is(response.status, 413);
});

test('wrong types name the field', async () => {
  refused(await register({ first_name: 42 }), 400, 'first_name');
  refused(await register({ birthdate: ['1990-01-01'] }), 400, 'birthdate');
  refused(await call(h.baseUrl, 'POST', '/post/create', { json: { text: { $gt: '' } }, token: ann.token }), 400, 'text');
  refused(await call(h.baseUrl, 'POST', '/post/create', { json: ['text'], token: ann.token }), 400);
  refused(await call(h.baseUrl, 'POST', '/login', { json: { id: ann.id, password: 12345678 } }), 400, 'password');
});

test('every problem of a body is named at once, in plain words, in the message and in problems', async () => {
  const answer = await call(h.baseUrl, 'POST', '/user/register', { json: { first_name: '', birthdate: 'soon', password: 'short' } });
  refused(answer, 400);
  assert.equal(answer.body.problems, [
    { field: 'first_name', message: 'must not be empty' },
    { field: 'second_name', message: 'is required' },
    { field: 'birthdate', message: 'must be a calendar date YYYY-MM-DD' },
    { field: 'password', message: 'must be at least 8 characters' },
  ]);
  assert.is(answer.body.message, 'first_name: must not be empty; second_name: is required; birthdate: must be a calendar date YYYY-MM-DD; password: must be at least 8 characters');
});

test('missing fields name the field', async () => {
  refused(await call(h.baseUrl, 'POST', '/user/register', { json: { first_name: 'Ann' } }), 400, 'second_name');
  refused(await call(h.baseUrl, 'PUT', '/post/update', { json: { text: 'no id' }, token: ann.token }), 400, 'id');
});

test('limits: names 1..100, post text 1..10000, password 8..128', async () => {
  refused(await register({ first_name: '' }), 400, 'first_name');
  refused(await register({ second_name: 'n'.repeat(101) }), 400, 'second_name');
  assert.is((await register({ first_name: 'n'.repeat(100) })).status, 200);
  refused(await register({ password: 'short' }), 400, 'password');
  refused(await register({ password: 'p'.repeat(129) }), 400, 'password');
  refused(await call(h.baseUrl, 'POST', '/post/create', { json: { text: '' }, token: ann.token }), 400, 'text');
  refused(await call(h.baseUrl, 'POST', '/post/create', { json: { text: 't'.repeat(10_001) }, token: ann.token }), 400, 'text');
  assert.is((await call(h.baseUrl, 'POST', '/post/create', { json: { text: 't'.repeat(10_000) }, token: ann.token })).status, 200);
});

test('birthdate must be a real date in the past', async () => {
  refused(await register({ birthdate: '1990-02-30' }), 400, 'birthdate');
  refused(await register({ birthdate: '10/12/1990' }), 400, 'birthdate');
  refused(await register({ birthdate: '2999-01-01' }), 400, 'birthdate');
  refused(await register({ birthdate: new Date().toISOString().slice(0, 10) }), 400, 'birthdate');
});

test('huge numbers are 400, never a 500 or a hang', async () => {
  refused(await call(h.baseUrl, 'POST', '/post/create', { raw: '{"text": 1e999}', contentType: 'application/json', token: ann.token }), 400, 'text');
  refused(await call(h.baseUrl, 'GET', '/post/feed?offset=0&limit=99999999999999999999999', { token: ann.token }), 400, 'limit');
  refused(await call(h.baseUrl, 'GET', '/post/feed?offset=1e309&limit=10', { token: ann.token }), 400, 'offset');
  refused(await call(h.baseUrl, 'GET', '/post/feed?limit=0', { token: ann.token }), 400, 'limit');
  refused(await call(h.baseUrl, 'GET', '/post/feed?limit=1001', { token: ann.token }), 400, 'limit');
  refused(await call(h.baseUrl, 'GET', '/post/feed?offset=-1', { token: ann.token }), 400, 'offset');
});

test('control characters are refused in names and post text; newlines and tabs are fine in text', async () => {
  refused(await register({ first_name: 'An\u0000n' }), 400, 'first_name');
  refused(await register({ second_name: 'Lee\nDROP' }), 400, 'second_name');
  refused(await call(h.baseUrl, 'POST', '/post/create', { json: { text: 'bell\u0007' }, token: ann.token }), 400, 'text');
  refused(await call(h.baseUrl, 'POST', '/post/create', { raw: '{"text":"half \\ud800 pair"}', contentType: 'application/json', token: ann.token }), 400, 'text');
  assert.is((await call(h.baseUrl, 'POST', '/post/create', { json: { text: 'line one\n\tline two' }, token: ann.token })).status, 200);
});

test('SQL-looking strings are plain data', async () => {
  const sql = "Robert'); DROP TABLE events;--";
  const registered = await register({ first_name: sql, city: "' OR 1=1 --" });
  assert.is(registered.status, 200);
  const post = await call(h.baseUrl, 'POST', '/post/create', { json: { text: sql }, token: ann.token });
  assert.is(post.status, 200);
  refused(await call(h.baseUrl, 'PUT', `/friend/set/${encodeURIComponent("1' OR '1'='1")}`, { token: ann.token }), 400, 'user_id');
  // The store still answers: nothing was dropped.
  assert.is((await call(h.baseUrl, 'POST', '/post/create', { json: { text: 'still here' }, token: ann.token })).status, 200);
});

test('ids that are not UUIDs are 400, on every route that takes one', async () => {
  refused(await call(h.baseUrl, 'GET', '/user/get/42'), 400, 'id');
  refused(await call(h.baseUrl, 'GET', '/post/get/not-a-uuid'), 400, 'id');
  refused(await call(h.baseUrl, 'PUT', '/friend/set/42', { token: ann.token }), 400, 'user_id');
  refused(await call(h.baseUrl, 'PUT', '/friend/delete/42', { token: ann.token }), 400, 'user_id');
  refused(await call(h.baseUrl, 'PUT', '/post/delete/42', { token: ann.token }), 400, 'id');
  refused(await call(h.baseUrl, 'PUT', '/post/update', { json: { id: '42', text: 'x' }, token: ann.token }), 400, 'id');
  refused(await call(h.baseUrl, 'POST', '/login', { json: { id: 'admin', password: 'password1' } }), 400, 'id');
});

test('a bad X-Herald-Position is 400', async () => {
  refused(await call(h.baseUrl, 'GET', `/user/get/${ann.id}`, { headers: { 'x-herald-position': 'not a position' } }), 400, 'X-Herald-Position');
});

test('regression (issue 14): a header that is not in the shape of a position is 400 at once, on public routes too', async () => {
  // Any printable string passed, and one that sorts after every position ("zzzz") made
  // the query poll the read models for CONSISTENCY_WAIT_MS, then answer 503.
  const shapes = ['zzzz', '0000000000000001', '0000000000000001-000000000000000', '0000000000000001-00000000000000g1', '0000000000000001-0000000000000001-00', 'FFFFFFFFFFFFFFFF-FFFFFFFFFFFFFFFF'];
  for (const position of shapes) {
    const answer = await call(h.baseUrl, 'GET', `/post/get/${ann.id}`, { headers: { 'x-herald-position': position } });
    refused(answer, 400, 'X-Herald-Position');
    assert.match(answer.body.message, '16 lowercase hex digits', position);
    assert.is(answer.body.error, 'invalid_input');
  }
});

test('an unknown route is 404, a wrong method 405, both with the error body', async () => {
  refused(await call(h.baseUrl, 'GET', '/no/such/route'), 404);
  refused(await call(h.baseUrl, 'DELETE', '/post/create', { token: ann.token }), 405);
});

test('a caller-given request id is echoed; an unusable one is replaced', async () => {
  const given = await call(h.baseUrl, 'GET', '/user/get/42', { headers: { 'x-request-id': 'trace-123' } });
  assert.is(given.body.request_id, 'trace-123');
  const replaced = await call(h.baseUrl, 'GET', '/user/get/42', { headers: { 'x-request-id': 'evil value\twith spaces' } });
  assert.is.not(replaced.body.request_id, 'evil value\twith spaces');
});

test.run();
