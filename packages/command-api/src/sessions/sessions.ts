import { randomBytes } from 'node:crypto';
import type { SessionRevocation } from '@herald/contracts';
import { sessionRevocationChannel } from '@herald/contracts';
import type { Redis } from 'ioredis';
import { sha256Hex } from '../sha256.js';
import { redisCall } from './redis.js';

/** A live session: whose it is, and how long it has left. */
export interface Session {
  readonly userId: string;
  /** Milliseconds until it expires; 0 when Redis gives it no expiry. */
  readonly expiresInMs: number;
}

export interface SessionStore {
  /** Issues a new opaque token for the user. */
  create(userId: string): Promise<string>;
  /** The user id of a live token, or null for an unknown, expired, revoked or malformed one. */
  resolve(token: string): Promise<string | null>;
  /** The session of a live token with its remaining lifetime, or null as for `resolve`. */
  inspect(token: string): Promise<Session | null>;
  /**
   * Ends the token's session and, in the same step, announces it to every notifier
   * (Redis pub/sub), which close its sockets and forget any cached answer about it;
   * a no-op for a malformed token.
   */
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
  const key = (token: string) => `${keyPrefix}session:${sha256Hex(token)}`;
  const revocations = sessionRevocationChannel(keyPrefix);
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
    async inspect(token) {
      if (!isWellFormedToken(token)) return null;
      const [userId, ttlMs] = await redisCall(async () => {
        const replies = (await redis.multi().get(key(token)).pttl(key(token)).exec()) ?? [];
        const failed = replies.find(([error]) => error !== null)?.[0];
        if (failed) throw failed;
        return replies.map(([, value]) => value);
      });
      if (typeof userId !== 'string') return null;
      return { userId, expiresInMs: typeof ttlMs === 'number' && ttlMs > 0 ? ttlMs : 0 };
    },
    async revoke(token) {
      if (!isWellFormedToken(token)) return;
      const message: SessionRevocation = { tokenSha256: sha256Hex(token) };
      await redisCall(() => redis.multi().del(key(token)).publish(revocations, JSON.stringify(message)).exec());
    },
  };
}
