import type { VaultCipher } from './vault-cipher';

export interface RewrapOutcome {
  rewrapped: number;
  /** Ids whose data key did not open: reported, skipped, never retried in the same run. */
  failed: string[];
}

/**
 * A table whose rows carry an envelope (a wrapped data key and its master key version).
 * Each module that seals data with the vault registers its table here, so that the key check,
 * the status and the re-wrap cover every envelope without the vault knowing those tables.
 */
export interface EnvelopeStore {
  readonly name: string;
  countByKeyVersion(): Promise<Record<string, number>>;
  /** Re-wraps up to `limit` rows under one of the `from` versions, skipping rows locked or in `skip`. */
  rewrapBatch(cipher: VaultCipher, from: string[], limit: number, skip: string[]): Promise<RewrapOutcome>;
}
