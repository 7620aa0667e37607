import { randomBytes, randomUUID, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * Client secrets of the broker's callers: 256 random bits, shown once, stored only as a
 * salted scrypt hash (Node's own; no native dependency). Hash format:
 * `scrypt$<log2 N>$<r>$<p>$<salt base64url>$<hash base64url>`, so parameters can grow later.
 */

const PREFIX = 'mibs_';
const LOG2_N = 15;
const BLOCK_SIZE = 8;
const PARALLELISM = 1;
const KEY_LENGTH = 32;

export function generateClientSecret(): string {
  return `${PREFIX}${randomBytes(32).toString('base64url')}`;
}

export function generateClientId(): string {
  return randomUUID();
}

export async function hashClientSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await derive(secret, salt, LOG2_N, BLOCK_SIZE, PARALLELISM);
  return ['scrypt', LOG2_N, BLOCK_SIZE, PARALLELISM, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

/** Constant-time comparison; a malformed stored hash never matches. */
export async function verifyClientSecret(secret: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [, log2N, r, p, saltText, hashText] = parts;
  const expected = Buffer.from(hashText, 'base64url');
  const actual = await derive(secret, Buffer.from(saltText, 'base64url'), Number(log2N), Number(r), Number(p));
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * Verifying against this when a client ID is unknown costs the same time as a real check,
 * so response times do not reveal which client IDs exist.
 */
export const UNKNOWN_CLIENT_HASH = `scrypt$${LOG2_N}$${BLOCK_SIZE}$${PARALLELISM}$${'A'.repeat(22)}$${'A'.repeat(43)}`;

function derive(secret: string, salt: Buffer, log2N: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(secret, salt, KEY_LENGTH, { N: 2 ** log2N, r, p, maxmem: 256 * 1024 * 1024 }, (error, key) => (error ? reject(error) : resolve(key))),
  );
}
