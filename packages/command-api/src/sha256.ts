import { createHash } from 'node:crypto';

/** SHA-256 of a text, in hex: how tokens and idempotency keys are named in Redis. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
