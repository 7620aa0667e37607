import type { KeyRingKind } from '../config/vault-keys';

export type { KeyRingKind };

/** Whether a ring can serve calls now, and since when; `reason` and a retry time while it cannot. */
export interface KeyRingAvailability {
  available: boolean;
  since: Date;
  reason?: string;
  retryAfterSeconds?: number;
}

/**
 * Master keys of one kind, by version: the local ones from VAULT_KEYS, or keys inside a PKCS#11
 * token. They wrap and unwrap the per-record data keys and nothing else; every call may be a call
 * to a device, so all of them are asynchronous, and no caller ever sees a master key. Another
 * backend (a cloud KMS) fits by implementing this interface.
 */
export interface KeyRing {
  readonly kind: KeyRingKind;
  versions(): string[];
  /** How the operator's configuration names a version, for messages (`VAULT_KEYS version v1`). */
  describe(version: string): string;
  /** The data key wrapped under `version`, bound to `context` (where the data key belongs). */
  wrap(version: string, dataKey: Buffer, context: string): Promise<Buffer>;
  /** Throws IntegrityError when it does not open, KeyRingUnavailable when the ring cannot answer now. */
  unwrap(version: string, wrapped: Buffer, context: string): Promise<Buffer>;
  /** A keyed check value of the version's key (never the key), to notice a key whose content changed. */
  checkValue(version: string): Promise<string>;
  availability(): KeyRingAvailability;
  /** Releases what the ring holds (sessions, key bytes). */
  close(): Promise<void>;
}

/** The ring cannot answer now (a device that is down, removed or too slow); nothing stored is wrong. */
export class KeyRingUnavailable extends Error {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
    this.name = 'KeyRingUnavailable';
  }
}
