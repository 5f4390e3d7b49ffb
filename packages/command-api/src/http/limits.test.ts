import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { call } from '@herald/kit/testing';
import type { Harness } from '../testing/harness.js';
import { registeredUser, startHarness } from '../testing/harness.js';

/**
 * An API whose text and body limits let through more than the event store takes in one
 * event (1 MiB of JSON): the store's refusal is the client's fault, so a 4xx.
 */
let h: Harness;

test.before(async () => {
  h = await startHarness('command_api_limits', { POST_TEXT_MAX_CHARS: '1000000', BODY_LIMIT_BYTES: '16777216' });
});

test.after(async () => {
  await h.close();
});

test('a post whose event is over the event store\'s size limit is 413 event_too_large, not 400 or 503', async () => {
  const ann = await registeredUser(h.baseUrl);
  // 600,000 two-byte characters: within POST_TEXT_MAX_CHARS, 1.2 MB of JSON in the event.
  const answer = await call(h.baseUrl, 'POST', '/post/create', { json: { text: 'é'.repeat(600_000) }, token: ann.token });
  assert.is(answer.status, 413, JSON.stringify(answer.body));
  assert.is(answer.body.error, 'event_too_large');
  assert.is(answer.body.code, 41301);
  assert.match(answer.body.message, /size/);
});

test('a post just within the limit is stored', async () => {
  const ann = await registeredUser(h.baseUrl);
  const answer = await call(h.baseUrl, 'POST', '/post/create', { json: { text: 'é'.repeat(400_000) }, token: ann.token });
  assert.is(answer.status, 200, JSON.stringify(answer.body));
});

test.run();
