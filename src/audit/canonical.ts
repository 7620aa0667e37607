import { createHash, createHmac } from 'node:crypto';

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
 * Makes a details object safe and stable to store: drops `undefined`, turns dates into ISO
 * strings, and replaces any value under a secret-sounding key, so that a slip in a caller can
 * never put a secret into the append-only log.
 */
export function sanitiseDetails(value: Record<string, unknown>): Record<string, unknown> {
  return sanitise(value) as Record<string, unknown>;
}

function sanitise(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(sanitise);
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'string') return value.replace(/\u0000/g, '');
    if (typeof value === 'number' && !Number.isFinite(value)) return null;
    if (typeof value === 'bigint') return value.toString();
    return value;
  }
  const result: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    if (inner === undefined || typeof inner === 'function') continue;
    result[key] = SECRET_KEY.test(key) ? '[redacted]' : sanitise(inner);
  }
  return result;
}
