import { scryptSync, randomBytes } from 'node:crypto';
import { friendshipStream, postStream, userStream, type HeraldEvent } from '@herald/contracts';
import type { EventStore, ExpectedRevision } from '@herald/eventstore';
import { inPool, seededRandom } from '@herald/kit';
import { v7 as uuid } from 'uuid';
import { cities, firstNames, interests, secondNames, words } from './sample-data.js';

export interface GenerateRequest {
  readonly users: number;
  /** Average friends per user (each friendship counts for both). */
  readonly friendsPerUser: number;
  readonly postsPerUser: number;
  readonly concurrency: number;
  readonly seed: number;
}

interface Append {
  readonly stream: string;
  readonly event: Pick<HeraldEvent, 'type' | 'data'>;
  readonly expected: ExpectedRevision;
}

/** Every generated user can log in with this password (one real scrypt hash, shared). */
export const demoPassword = 'herald-demo';

/** Appends users, then friendships and posts mixed, then some edits: a log shaped like real use. */
export async function generateLog(store: EventStore, request: GenerateRequest, onProgress: (done: number, total: number) => void): Promise<number> {
  const waves = planLog(request);
  const total = waves.reduce((n, w) => n + w.length, 0);
  let done = 0;
  for (const wave of waves) {
    // Within a wave no event depends on another, so appends may run side by side.
    await inPool(wave.length, Math.max(1, request.concurrency), async (i) => {
      const a = wave[i]!;
      const metadata = { schemaVersion: 1, occurredAt: new Date().toISOString() };
      await store.append(a.stream, [{ id: uuid(), type: a.event.type, data: a.event.data, metadata }], { expectedRevision: a.expected });
      done += 1;
      if (done % 500 === 0 || done === total) onProgress(done, total);
    });
  }
  return total;
}

/** The log as three waves of appends: registrations; friendships and posts; edits. */
export function planLog(request: GenerateRequest): Append[][] {
  const random = seededRandom(request.seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const passwordHash = demoHash();
  const users = Array.from({ length: request.users }, () => uuid());
  const registrations: Append[] = users.map((userId) => ({
    stream: userStream(userId),
    expected: 'no_stream',
    event: {
      type: 'UserRegistered',
      data: {
        userId, firstName: pick(firstNames), secondName: pick(secondNames), city: pick(cities), passwordHash,
        birthdate: `${1960 + Math.floor(random() * 45)}-${String(1 + Math.floor(random() * 12)).padStart(2, '0')}-${String(1 + Math.floor(random() * 28)).padStart(2, '0')}`,
        biography: `${pick(interests)}, ${pick(interests)}`,
      },
    },
  }));
  const pairs = friendPairs(users.length, request.friendsPerUser, random);
  const friendships: Append[] = pairs.map(([a, b]) => befriend(users[a] as string, users[b] as string, 'FriendAdded'));
  const posts: Append[] = [];
  for (let i = 0; i < users.length * request.postsPerUser; i += 1) {
    const authorId = pick(users);
    const text = Array.from({ length: 5 + Math.floor(random() * 15) }, () => pick(words)).join(' ');
    const postId = uuid();
    posts.push({ stream: postStream(postId), expected: 'no_stream', event: { type: 'PostCreated', data: { postId, authorId, text } } });
  }
  const edits: Append[] = [];
  for (const p of posts) {
    const { postId, authorId } = p.event.data as { postId: string; authorId: string };
    const roll = random();
    if (roll < 0.02) edits.push({ stream: p.stream, expected: 'any', event: { type: 'PostUpdated', data: { postId, authorId, text: `edited: ${pick(words)}` } } });
    else if (roll < 0.03) edits.push({ stream: p.stream, expected: 'any', event: { type: 'PostDeleted', data: { postId, authorId } } });
  }
  for (const [a, b] of pairs) if (random() < 0.01) edits.push(befriend(users[a] as string, users[b] as string, 'FriendRemoved'));
  return [registrations, shuffle([...friendships, ...posts], random), edits];
}

function befriend(userId: string, friendId: string, type: 'FriendAdded' | 'FriendRemoved'): Append {
  return { stream: friendshipStream(userId, friendId), expected: 'any', event: { type, data: { userId, friendId } } };
}

/** About `degree` friends per user: each user asks degree/2 others, duplicates dropped. */
function friendPairs(count: number, degree: number, random: () => number): [number, number][] {
  const seen = new Set<number>();
  const pairs: [number, number][] = [];
  if (count < 2) return pairs;
  for (let a = 0; a < count; a += 1) {
    for (let k = 0; k < Math.ceil(degree / 2); k += 1) {
      const b = Math.floor(random() * count);
      const [low, high] = a < b ? [a, b] : [b, a];
      if (a === b || seen.has(low * count + high)) continue;
      seen.add(low * count + high);
      pairs.push([low, high]);
    }
  }
  return pairs;
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

function demoHash(): string {
  const [N, r, p] = [2 ** 14, 8, 1];
  const salt = randomBytes(16);
  const key = scryptSync(demoPassword, salt, 32, { N, r, p, maxmem: 256 * N * r });
  return ['scrypt', N, r, p, salt.toString('base64url'), key.toString('base64url')].join('$');
}
