// Work a client can make the API do without an account is bounded per client address
// (issue 14, "unauthenticated work is free"). Addresses come from X-Forwarded-For.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { v7 as uuidv7 } from 'uuid';
import { call, type Answer } from '@herald/kit/testing';
import type { ExtraApi, Harness } from '../testing/harness.js';
import { newUser, startExtraApi, startHarness } from '../testing/harness.js';

let h: Harness;
/** One hash at a time per address, one more waiting; each hash slow enough (64 MiB) that a burst overlaps it. */
let narrow: ExtraApi;

test.before(async () => {
  h = await startHarness('command_api_client_bounds', {
    TRUST_PROXY: 'true',
    REGISTRATIONS_PER_CLIENT: '3',
    CONSISTENCY_WAITS_PER_CLIENT: '1',
    // A generous bound so that the burst below surely overlaps the first wait; not a timing claim.
    CONSISTENCY_WAIT_MS: '3000',
  });
  narrow = await startExtraApi(h.db.url, {
    TRUST_PROXY: 'true',
    SCRYPT_LOG2_COST: '16',
    PASSWORD_HASHES_PER_CLIENT: '1',
    PASSWORD_HASHES_QUEUED_PER_CLIENT: '1',
  });
});

test.after(async () => {
  await narrow.stop();
  await h.close();
});

const register = (baseUrl: string, address: string) =>
  call(baseUrl, 'POST', '/user/register', { json: newUser(), headers: { 'x-forwarded-for': address } });

const statuses = (answers: readonly Answer[]) => JSON.stringify(answers.map((a) => `${a.status} ${a.body?.error ?? ''}`));

test('regression (issue 14): registrations from one address are bounded per window: 429 with Retry-After; other addresses are not', async () => {
  for (let i = 0; i < 3; i++) assert.is((await register(h.baseUrl, '203.0.113.10')).status, 200);
  const refused = await register(h.baseUrl, '203.0.113.10');
  assert.is(refused.status, 429, JSON.stringify(refused.body));
  assert.is(refused.body.error, 'too_many_registrations');
  const retryAfter = Number(refused.headers.get('retry-after'));
  assert.ok(retryAfter >= 1 && retryAfter <= 3600, `Retry-After ${retryAfter}`);
  assert.is((await register(h.baseUrl, '198.51.100.10')).status, 200);
});

test('regression (issue 14): password hashing beyond an address\'s turn and queue is refused with 429, not run', async () => {
  const burst = await Promise.all(Array.from({ length: 8 }, () => register(narrow.baseUrl, '203.0.113.20')));
  const hashed = burst.filter((a) => a.status === 200).length;
  const refused = burst.filter((a) => a.status === 429 && a.body.error === 'too_many_requests');
  assert.ok(hashed >= 1 && refused.length >= 1 && hashed + refused.length === 8, statuses(burst));
  assert.ok(refused.every((a) => Number(a.headers.get('retry-after')) >= 1), 'with Retry-After');
  assert.is((await register(narrow.baseUrl, '198.51.100.20')).status, 200, 'another address still registers');
});

test('regression (issue 14): queries waiting for X-Herald-Position are bounded per address', async () => {
  // A well-formed position no read model reaches: each query that waits holds for the whole bound.
  const far = 'ffffffffffffffff-ffffffffffffffff';
  const read = (address: string) =>
    call(h.baseUrl, 'GET', `/user/get/${uuidv7()}`, { headers: { 'x-herald-position': far, 'x-forwarded-for': address } });
  const [burst, other] = await Promise.all([Promise.all(Array.from({ length: 4 }, () => read('203.0.113.30'))), read('198.51.100.30')]);
  const waited = burst.filter((a) => a.status === 503 && a.body.error === 'read_model_behind').length;
  const refused = burst.filter((a) => a.status === 429 && a.body.error === 'too_many_requests').length;
  assert.ok(waited >= 1 && refused >= 1 && waited + refused === 4, statuses(burst));
  assert.is(other.status, 503, 'another address waits its own turn');
});

test.run();
