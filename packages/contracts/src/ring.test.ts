import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHashRing, defaultVirtualNodes, groupByShard, ringPoint, ringShares, shardOf } from './ring.js';

/** 10,000 user ids shaped like Herald's (UUIDs), the same on every run. */
const users = Array.from({ length: 10_000 }, (_, i) => {
  const hex = createHash('sha256').update(`user ${String(i)}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
});

const names = (count: number) => Array.from({ length: count }, (_, i) => `shard-${String(i + 1)}`);
const assign = (shards: readonly string[]) => {
  const ring = createHashRing(shards);
  return users.map((user) => shardOf(ring, user));
};
const percent = (part: number, whole: number) => `${((100 * part) / whole).toFixed(1)}%`;

test('going from 3 shards to 4 moves between 20% and 30% of 10,000 users, each to the new shard', () => {
  const before = assign(names(3));
  const after = assign(names(4));
  const moved = users.filter((_, i) => before[i] !== after[i]);
  console.log(`ring: 3 -> 4 shards moved ${moved.length} of ${users.length} users (${percent(moved.length, users.length)}; an even share is 25%)`);
  assert.ok(moved.length >= 2_000 && moved.length <= 3_000, `moved ${moved.length}`);
  assert.ok(users.every((_, i) => before[i] === after[i] || after[i] === 'shard-4'), 'a user only ever moves to the new shard');
});

test("removing a shard moves that shard's users and nobody else", () => {
  const before = assign(names(4));
  const after = assign(['shard-1', 'shard-3', 'shard-4']);
  let moved = 0;
  users.forEach((_, i) => {
    if (before[i] === 'shard-2') {
      moved += 1;
      assert.is.not(after[i], 'shard-2');
    } else assert.is(after[i], before[i], `user ${String(i)} stays on ${String(before[i])}`);
  });
  console.log(`ring: removing shard-2 of 4 moved ${moved} of ${users.length} users (${percent(moved, users.length)}), all of them shard-2's`);
  assert.ok(moved > 0);
});

test('the order the shards are listed in does not matter, only their names', () => {
  assert.equal(assign(['shard-3', 'shard-1', 'shard-2']), assign(names(3)));
});

test('another process gives every user the same shard', () => {
  const ringFile = fileURLToPath(new URL('./ring.ts', import.meta.url));
  const sample = users.slice(0, 2_000);
  const program = `
    import { createHashRing, shardOf } from ${JSON.stringify(ringFile)};
    const ring = createHashRing(['shard-1', 'shard-2', 'shard-3', 'shard-4']);
    const users = JSON.parse(process.argv[1]);
    process.stdout.write(JSON.stringify(users.map((user) => shardOf(ring, user))));`;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', program, JSON.stringify(sample)], { encoding: 'utf8' });
  assert.is(child.status, 0, child.stderr);
  const ring = createHashRing(names(4));
  assert.equal(JSON.parse(child.stdout), sample.map((user) => shardOf(ring, user)));
});

test("a point is the first 8 bytes of SHA-256, as coreutils' sha256sum computes it", () => {
  for (const text of ['shard-1#0', 'shard-2#1023', '00000000-0000-4000-8000-000000000001', 'grüße']) {
    const sum = spawnSync('sha256sum', [], { input: text, encoding: 'utf8' });
    assert.is(sum.status, 0, sum.stderr);
    assert.is(ringPoint(text), sum.stdout.slice(0, 16), text);
  }
});

/** Answers of the ring over shard-1, shard-2 and shard-3 when it was written. */
const pinned: ReadonlyArray<readonly [string, string]> = [
  ['00000000-0000-4000-8000-000000000001', 'shard-2'],
  ['00000000-0000-4000-8000-000000000002', 'shard-3'],
  ['00000000-0000-4000-8000-000000000007', 'shard-1'],
  ['00000000-0000-4000-8000-000000000008', 'shard-2'],
  ['00000000-0000-4000-8000-000000000009', 'shard-2'],
];

test('pinned answers: the function never changes under the shards already running', () => {
  assert.is(defaultVirtualNodes, 1024);
  assert.is(ringPoint('shard-1#0'), 'ebb466daff78620f');
  const ring = createHashRing(names(3));
  for (const [user, shard] of pinned) assert.is(shardOf(ring, user), shard, user);
});

test('each shard takes its share of users within 10% of an even share, for 2 to 16 shards', () => {
  const report: string[] = [];
  for (let count = 2; count <= 16; count += 1) {
    const shares = [...ringShares(createHashRing(names(count))).values()];
    assert.ok(Math.abs(shares.reduce((sum, share) => sum + share, 0) - 1) < 1e-6, 'the shares cover the ring');
    const spread = Math.max(...shares.map((share) => Math.abs(share * count - 1)));
    report.push(`${String(count)}: ${(100 * spread).toFixed(1)}%`);
    assert.ok(spread <= 0.1, `${String(count)} shards: a share ${(100 * spread).toFixed(1)}% off even`);
  }
  console.log(`ring: largest distance of a shard's share from an even share, by shard count: ${report.join(', ')}`);
});

test('10,000 users over 3 shards land within 10% of an even load', () => {
  const counts = [...groupByShard(createHashRing(names(3)), users).entries()].map(([shard, group]) => [shard, group.length] as const);
  console.log(`ring: 10,000 users over 3 shards: ${counts.map(([shard, count]) => `${shard} ${String(count)}`).join(', ')}`);
  assert.is(counts.length, 3);
  for (const [shard, count] of counts) assert.ok(Math.abs(count - users.length / 3) <= users.length / 30, `${shard}: ${String(count)}`);
});

test('groupByShard keeps each group in the order given and loses nobody', () => {
  const ring = createHashRing(names(3));
  const groups = groupByShard(ring, users.slice(0, 100));
  assert.equal([...groups.values()].flat().sort(), users.slice(0, 100).sort());
  for (const [shard, group] of groups) {
    assert.ok(group.every((user) => shardOf(ring, user) === shard));
    assert.equal(group, users.slice(0, 100).filter((user) => shardOf(ring, user) === shard));
  }
});

test('one shard takes everybody: the single broker of today', () => {
  const ring = createHashRing(['shard-1']);
  assert.ok(users.every((user) => shardOf(ring, user) === 'shard-1'));
  assert.equal(ringShares(ring), new Map([['shard-1', 1]]));
});

test('a ring without shards, with a name twice or with a bad point count is a programming error', () => {
  assert.throws(() => createHashRing([]), /at least one shard/);
  assert.throws(() => createHashRing(['a', 'b', 'a']), /must differ/);
  assert.throws(() => createHashRing(['a', '']), /must not be empty/);
  assert.throws(() => createHashRing(['a'], 0), /virtualNodes/);
});

test.run();
