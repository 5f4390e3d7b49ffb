import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { redisCall } from './redis.js';

export interface SessionStore {
  /** Issues a new opaque token for the user. */
  create(userId: string): Promise<string>;
  /** The user id of a live token, or null for an unknown, expired, revoked or malformed one. */
  resolve(token: string): Promise<string | null>;
  /** Ends the token's session; a no-op for an unknown token. */
  revoke(token: string): Promise<void>;
}

/** 32 random bytes, base64url: 256 bits, 43 characters. */
const tokenPattern = /^[A-Za-z0-9_-]{43}$/;

export function isWellFormedToken(token: string): boolean {
  return tokenPattern.test(token);
}

/**
 * Sessions in Redis as `sha256(token) -> user id` with a TTL. Only the hash is stored,
 * so whoever reads Redis cannot replay a token.
 */
export function createSessionStore(redis: Redis, keyPrefix: string, ttlSeconds: number): SessionStore {
  const key = (token: string) => `${keyPrefix}session:${createHash('sha256').update(token).digest('hex')}`;
  return {
    async create(userId) {
      const token = randomBytes(32).toString('base64url');
      await redisCall(() => redis.set(key(token), userId, 'EX', ttlSeconds));
      return token;
    },
    async resolve(token) {
      if (!isWellFormedToken(token)) return null;
      return redisCall(() => redis.get(key(token)));
    },
    async revoke(token) {
      if (!isWellFormedToken(token)) return;
      await redisCall(() => redis.del(key(token)));
    },
  };
}
