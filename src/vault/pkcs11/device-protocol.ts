/**
 * The messages between the broker and its PKCS#11 device host (a child process that alone
 * loads the PKCS#11 module). Free of pkcs11js, so that the broker loads without it.
 */

/**
 * - `integrity`: the device answered, and the ciphertext does not open (changed bytes, another place).
 * - `unavailable`: the device failed, was removed, or did not answer; nothing stored is wrong.
 * - `pin`: the token refused the user PIN (never retried by itself: tokens lock after a few).
 * - `setup`: the module, the token or a key is not what the configuration says.
 * - `unsupported`: pkcs11js is not installed or did not build.
 */
export type DeviceFailureKind = 'integrity' | 'unavailable' | 'pin' | 'setup' | 'unsupported';

export class DeviceFailure extends Error {
  constructor(
    readonly kind: DeviceFailureKind,
    message: string,
    /** The PKCS#11 return value (`CKR_...`), when the device gave one. */
    readonly code?: string,
  ) {
    super(message);
    this.name = 'DeviceFailure';
  }
}

export interface OpenRequest {
  op: 'open';
  module: string;
  tokenLabel: string;
  pin: string;
  sessions: number;
  keyLabels: string[];
}

export interface EncryptRequest {
  op: 'encrypt';
  label: string;
  iv: Uint8Array;
  aad: Uint8Array;
  plaintext: Uint8Array;
}

export interface DecryptRequest {
  op: 'decrypt';
  label: string;
  iv: Uint8Array;
  aad: Uint8Array;
  ciphertext: Uint8Array;
}

/** AES-CMAC under a key: its check value, and the heartbeat. */
export interface MacRequest {
  op: 'mac';
  label: string;
  data: Uint8Array;
}

export interface CreateKeyRequest {
  op: 'createKey';
  label: string;
}

export type DeviceRequest = OpenRequest | EncryptRequest | DecryptRequest | MacRequest | CreateKeyRequest | { op: 'close' };

/** A key's attributes as the token reports them (absent ones as null). */
export interface KeyAttributes {
  keyType: number | null;
  valueLen: number | null;
  token: boolean | null;
  sensitive: boolean | null;
  extractable: boolean | null;
  alwaysSensitive: boolean | null;
  neverExtractable: boolean | null;
  encrypt: boolean | null;
  decrypt: boolean | null;
  sign: boolean | null;
}

export interface FoundKey {
  label: string;
  /** How many secret keys carry the label (exactly one is usable). */
  count: number;
  attributes?: KeyAttributes;
}

export interface OpenResult {
  token: { label: string; manufacturer: string; model: string; serialNumber: string };
  keys: FoundKey[];
}

export interface DeviceReply {
  id: number;
  result?: unknown;
  failure?: { kind: DeviceFailureKind; message: string; code?: string };
  /** PKCS#11 functions called for this request, by name. */
  calls: Record<string, number>;
}

export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
