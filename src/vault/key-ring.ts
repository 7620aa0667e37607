/**
 * Master keys that wrap the per-credential data keys. The vault depends on this interface
 * only, so a KMS (AWS KMS Encrypt/Decrypt, Vault transit) can replace the local ring by
 * implementing it: wrap under the active version, unwrap under the version recorded.
 */
export interface KeyRing {
  /** The version new data keys are wrapped under. */
  readonly activeVersion: string;
  /** Every version this ring can unwrap. */
  versions(): string[];
  wrap(dataKey: Buffer, context: string): Promise<{ version: string; wrapped: Buffer }>;
  /** Throws IntegrityError when the wrapped key does not open under that version. */
  unwrap(version: string, wrapped: Buffer, context: string): Promise<Buffer>;
  /** A keyed check value per version, to notice a key whose content changed. */
  checkValue(version: string): string;
}

export const KEY_RING = Symbol('KeyRing');
