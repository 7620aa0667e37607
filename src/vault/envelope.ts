import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM as the vault uses it, free of the framework. Sealed layout:
 * `[format 0x01][nonce 12][ciphertext][tag 16]`. The additional authenticated data binds a
 * ciphertext to where it belongs (which credential, which field), so a ciphertext copied to
 * another row or column fails to open instead of yielding another credential's secret.
 */

const FORMAT = 0x01;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
export const KEY_BYTES = 32;

/** Raised when a ciphertext does not open: wrong key, wrong place, or changed bytes. */
export class IntegrityError extends Error {
  constructor(message = 'ciphertext failed its integrity check') {
    super(message);
    this.name = 'IntegrityError';
  }
}

export function seal(key: Buffer, plaintext: Buffer, aad: string): Buffer {
  if (key.length !== KEY_BYTES) throw new Error('AES-256-GCM needs a 32-byte key');
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.from([FORMAT]), nonce, ciphertext, cipher.getAuthTag()]);
}

export function open(key: Buffer, sealed: Buffer, aad: string): Buffer {
  if (sealed.length < 1 + NONCE_BYTES + TAG_BYTES || sealed[0] !== FORMAT) throw new IntegrityError('ciphertext is malformed');
  const nonce = sealed.subarray(1, 1 + NONCE_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const ciphertext = sealed.subarray(1 + NONCE_BYTES, sealed.length - TAG_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce);
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    throw new IntegrityError();
  }
}

export function newDataKey(): Buffer {
  return randomBytes(KEY_BYTES);
}

/**
 * A keyed check value: proves a later key is the same key, reveals nothing about it (an HMAC
 * of a constant under the key), so it may be stored beside the data.
 */
export function keyCheckValue(key: Buffer): string {
  return createHmac('sha256', key).update('myinvois-broker vault key check v1').digest('hex');
}
