import { createHash } from 'node:crypto';

/** A token is cached per credential, represented taxpayer and scope: never shared across any of them. */
export interface TokenKey {
  credentialId: string;
  /** '' for taxpayer credentials. */
  onBehalfOf: string;
  /** `InvoicingAPI`, or '' for a login without scope. */
  scope: string;
}

export function keyString(key: TokenKey): string {
  return `${key.credentialId}|${key.onBehalfOf}|${key.scope}`;
}

/** The key's advisory lock: 64 bits of a SHA-256 of the key, as a signed bigint. */
export function advisoryLockId(key: TokenKey): string {
  return createHash('sha256')
    .update(`token:${keyString(key)}`)
    .digest()
    .readBigInt64BE(0)
    .toString();
}

/** The associated data a token is sealed under: bound to its key, so it cannot be moved to another. */
export function sealedField(key: TokenKey): string {
  return `token:${key.onBehalfOf}:${key.scope}`;
}
