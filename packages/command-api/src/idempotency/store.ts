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

/**
 * How long a running request holds its key unless renewed. Its process renews the lease
 * every third of it while the request runs, so a request that runs long keeps its key,
 * and one whose process died blocks its retries for this long at most.
 */
export const runningLeaseMs = 10_000;

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

/** Extends the lease only while the entry is still this running claim. */
const renewScript = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

/**
 * Idempotency keys in Redis, per scope (a user id, or "anonymous" for registration):
 * `<prefix>idempotency:<scope>:<sha256(key)>` holds the running claim, then the answer
 * for `ttlSeconds`. Only the key's hash is stored.
 */
export function createIdempotencyStore(redis: Redis, keyPrefix: string, ttlSeconds: number, leaseMs = runningLeaseMs): IdempotencyStore {
  return {
    async claim(scope, key, fingerprint) {
      const redisKey = `${keyPrefix}idempotency:${scope}:${sha256Hex(key)}`;
      const running = JSON.stringify({ state: 'running', fingerprint, claim: randomUUID() } satisfies Entry);
      const found = await redisCall(() => redis.eval(claimScript, 1, redisKey, running, leaseMs)) as string | null;
      if (found !== null) {
        const entry = JSON.parse(found) as Entry;
        return entry.state === 'done' ? { kind: 'done', fingerprint: entry.fingerprint, answer: entry.answer } : { kind: 'running', fingerprint: entry.fingerprint };
      }
      // A renewal that fails (Redis away) is retried on the next tick; past the lease the key is free.
      const renewal = setInterval(() => void redis.eval(renewScript, 1, redisKey, running, leaseMs).catch(() => undefined), leaseMs / 3);
      renewal.unref();
      return {
        kind: 'claimed',
        async complete(answer) {
          clearInterval(renewal);
          const done = JSON.stringify({ state: 'done', fingerprint, answer } satisfies Entry);
          await redisCall(() => redis.set(redisKey, done, 'EX', ttlSeconds));
        },
        async release() {
          clearInterval(renewal);
          await redisCall(() => redis.eval(releaseScript, 1, redisKey, running));
        },
      };
    },
  };
}
