import { createHash, createHmac } from 'node:crypto';
import { auditText } from './audit-text';

/**
 * The audit chain's hashing, kept free of the framework so that the writer, the verifier and
 * anyone re-checking an export compute exactly the same bytes.
 */

export const GENESIS_HASH = '0'.repeat(64);

/** The fields of an event that its hash covers, in their stored form. */
export interface ChainedFields {
  seq: string;
  occurredAt: string;
  actorType: string;
  actorId: string | null;
  actorName: string;
  action: string;
  tenantId: string | null;
  targetType: string | null;
  targetId: string | null;
  outcome: string;
  requestId: string | null;
  callerIp: string | null;
  details: Record<string, unknown>;
}

/** JSON with object keys sorted at every depth; the same value always gives the same text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.keys(value as Record<string, unknown>)
    .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
  return `{${entries.join(',')}}`;
}

/** SHA-256 over the previous hash and the event's canonical form, as hex. */
export function eventHash(prevHash: string, fields: ChainedFields): string {
  return createHash('sha256').update(prevHash).update('\n').update(canonicalJson(fields)).digest('hex');
}

/** Names a token without revealing it: a keyed HMAC, so a known token can be looked up. */
export function tokenFingerprint(key: Buffer, token: string): string {
  return createHmac('sha256', key).update(token).digest('hex').slice(0, 32);
}

const SECRET_KEY = /secret|password|passphrase|access_?token|refresh_?token|id_?token|authorization|private_?key|^token$/i;

/**
 * Facts about secrets that are not secrets themselves, which SECRET_KEY would hide: a reviewer
 * must be able to see who changed a credential's expiry or how many secrets it holds. Listed
 * by exact name, so that anything else secret-sounding stays redacted.
 */
const NOT_SECRET = new Set(['secretsSet', 'secretExpiresAt', 'secretsVersion', 'secretVersion']);

/**
 * Makes a details object safe and stable to store: drops `undefined`, turns dates into ISO
 * strings, makes every string (keys too) storable (see auditText), and replaces any value under
 * a secret-sounding key, so that a slip in a caller can never put a secret into the
 * append-only log.
 */
export function sanitiseDetails(value: Record<string, unknown>): Record<string, unknown> {
  return sanitise(value) as Record<string, unknown>;
}

function sanitise(value: unknown): unknown {
  // What JSON cannot hold becomes null (as JSON.stringify does in arrays), so the stored jsonb
  // and the hashed canonical form always agree.
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (Array.isArray(value)) return value.map(sanitise);
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'string') return auditText(value);
    if (typeof value === 'number' && !Number.isFinite(value)) return null;
    if (typeof value === 'bigint') return value.toString();
    return value;
  }
  const result: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    if (inner === undefined || typeof inner === 'function' || typeof inner === 'symbol') continue;
    result[auditText(key)] = isSecretKey(key) ? '[redacted]' : sanitise(inner);
  }
  return result;
}

function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key) && !NOT_SECRET.has(key);
}
