import type { BinaryLike, ScryptOptions } from 'node:crypto';
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

const keyLength = 32;
const blockSize = 8;
const parallelism = 1;

function derive(password: string, salt: BinaryLike, options: ScryptOptions): Promise<Buffer> {
  // scrypt needs 128 * N * r bytes; allow twice that so a raised cost never fails on memory.
  const maxmem = 256 * (options.N ?? 0) * (options.r ?? 0);
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, keyLength, { ...options, maxmem }, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/**
 * Hashes a password with scrypt (memory-hard, from node:crypto, run on the libuv pool)
 * into `scrypt$N$r$p$salt$hash`, so the parameters travel with the hash and a
 * stronger cost later still verifies old hashes.
 */
export async function hashPassword(password: string, log2Cost: number): Promise<string> {
  const N = 2 ** log2Cost;
  const salt = randomBytes(16);
  const key = await derive(password, salt, { N, r: blockSize, p: parallelism });
  return ['scrypt', N, blockSize, parallelism, salt.toString('base64url'), key.toString('base64url')].join('$');
}

const hashPattern = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([\w-]+)\$([\w-]+)$/;

/** Whether the password matches the stored hash; compared in constant time. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const match = hashPattern.exec(stored);
  if (!match) throw new Error('stored password hash is not in scrypt$N$r$p$salt$hash form');
  const [, N, r, p, salt, hash] = match;
  const expected = Buffer.from(hash ?? '', 'base64url');
  const actual = await derive(password, Buffer.from(salt ?? '', 'base64url'), { N: Number(N), r: Number(r), p: Number(p) });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
