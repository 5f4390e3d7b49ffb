import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { redisCall } from '../sessions/redis.js';
import { sha256Hex } from '../sha256.js';

/** A command's answer as the client got it, to give a retry. */
export interface StoredAnswer {
  readonly status: number;
  readonly body: unknown;
  readonly position: string | null;
}

type Entry =
  | { readonly state: 'running'; readonly fingerprint: string; readonly claim: string }
  | { readonly state: 'done'; readonly fingerprint: string; readonly answer: StoredAnswer };

export type Claim =
  | { readonly kind: 'claimed'; complete(answer: StoredAnswer): Promise<void>; release(): Promise<void> }
  | { readonly kind: 'running'; readonly fingerprint: string }
  | { readonly kind: 'done'; readonly fingerprint: string; readonly answer: StoredAnswer };

export interface IdempotencyStore {
  /** Claims the key for this request, or tells what holds it: a request still running, or a stored answer. */
  claim(scope: string, key: string, fingerprint: string): Promise<Claim>;
}

/** How long a running request holds its key: past it, a request whose process died no longer blocks its retries. */
export const runningLeaseMs = 60_000;

/** The entry, or a claim made in the same step when there is none. */
const claimScript = `
local current = redis.call('GET', KEYS[1])
if current then return current end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return false`;

/** Deletes the entry only while it is still this claim (not a later request's). */
const releaseScript = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * Idempotency keys in Redis, per scope (a user id, or "anonymous" for registration):
 * `<prefix>idempotency:<scope>:<sha256(key)>` holds the running claim, then the answer
 * for `ttlSeconds`. Only the key's hash is stored.
 */
export function createIdempotencyStore(redis: Redis, keyPrefix: string, ttlSeconds: number): IdempotencyStore {
  return {
    async claim(scope, key, fingerprint) {
      const redisKey = `${keyPrefix}idempotency:${scope}:${sha256Hex(key)}`;
      const running = JSON.stringify({ state: 'running', fingerprint, claim: randomUUID() } satisfies Entry);
      const found = await redisCall(() => redis.eval(claimScript, 1, redisKey, running, runningLeaseMs)) as string | null;
      if (found !== null) {
        const entry = JSON.parse(found) as Entry;
        return entry.state === 'done' ? { kind: 'done', fingerprint: entry.fingerprint, answer: entry.answer } : { kind: 'running', fingerprint: entry.fingerprint };
      }
      return {
        kind: 'claimed',
        async complete(answer) {
          const done = JSON.stringify({ state: 'done', fingerprint, answer } satisfies Entry);
          await redisCall(() => redis.set(redisKey, done, 'EX', ttlSeconds));
        },
        async release() {
          await redisCall(() => redis.eval(releaseScript, 1, redisKey, running));
        },
      };
    },
  };
}
