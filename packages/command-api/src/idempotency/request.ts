import { createHash } from 'node:crypto';
import { HeraldError } from '../errors.js';
import { sha256Hex } from '../sha256.js';

export const idempotencyHeader = 'Idempotency-Key';

/** Visible ASCII, no spaces: a UUID serves well. */
const keyShape = /^[\x21-\x7e]{1,255}$/;

/** The request's Idempotency-Key, undefined when it sent none; 400 for a malformed one. */
export function idempotencyKeyOf(header: string): string | undefined {
  if (header === '') return undefined;
  if (!keyShape.test(header)) {
    throw new HeraldError('invalid_input', `${idempotencyHeader}: 1 to 255 visible ASCII characters without spaces (a UUID serves well)`);
  }
  return header;
}

/**
 * What makes two requests "the same request": method, path and body. A password is
 * left out, so that no fast hash of it is ever stored: a retry that changed only the
 * password counts as the same request.
 */
export function fingerprintOf(method: string, path: string, body: unknown): string {
  let kept = body ?? null;
  if (typeof kept === 'object' && kept !== null && !Array.isArray(kept) && 'password' in kept) {
    const { password: _password, ...rest } = kept as Record<string, unknown>;
    kept = rest;
  }
  return sha256Hex(JSON.stringify([method, path, kept]));
}

/** Ids a command needs, chosen before it runs. */
export interface CommandIds {
  /** The id of the aggregate a create makes (user, post). */
  readonly entity: () => string;
  /** The id of the command's `index`-th event. */
  readonly event: (index: number) => string;
}

/** A UUID (version 8: custom) from a hash, so that a retry of the same request gets the same ids. */
function derivedUuid(seed: string): string {
  const bytes = createHash('sha256').update(seed).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The ids of a keyed request, derived from who sent it, the key and the request itself:
 * a retry makes the very same events, which the event store recognises, even once the
 * stored answer is gone; the same key on a different request makes different ones.
 */
export function derivedIds(scope: string, key: string, fingerprint: string): CommandIds {
  const seed = `${scope}\n${key}\n${fingerprint}\n`;
  return {
    entity: () => derivedUuid(`${seed}entity`),
    event: (index) => derivedUuid(`${seed}event:${index}`),
  };
}
