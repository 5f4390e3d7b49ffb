import { z } from 'zod';

/**
 * A logout, as the command API announces it on Redis pub/sub to every notifier: the
 * SHA-256 (hex) of the revoked token, the same hash Redis keys the session by. The
 * token itself never travels.
 */
export const sessionRevocationSchema = z.object({
  tokenSha256: z.string().regex(/^[0-9a-f]{64}$/),
});

export type SessionRevocation = z.infer<typeof sessionRevocationSchema>;

/** The channel, under the deployment's REDIS_KEY_PREFIX (the command API's and the notifiers' must agree). */
export function sessionRevocationChannel(redisKeyPrefix: string): string {
  return `${redisKeyPrefix}session-revocations`;
}
