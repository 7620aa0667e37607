import { Inject, Injectable } from '@nestjs/common';
import { IntegrityError, newDataKey, open, seal } from './envelope';
import { KEY_RING } from './key-ring';
import type { KeyRing } from './key-ring';

/** A row's envelope: its data key, wrapped, and the master key version that wraps it. */
export interface Envelope {
  dataKeyWrapped: Buffer;
  keyVersion: string;
}

/**
 * Envelope encryption for any record: each record (`context`, such as `credential:<id>`) has
 * its own data key; fields are sealed under it with `<context>:<field>` as associated data.
 */
@Injectable()
export class VaultCipher {
  constructor(@Inject(KEY_RING) private readonly ring: KeyRing) {}

  async newEnvelope(context: string): Promise<Envelope & { dataKey: Buffer }> {
    const dataKey = newDataKey();
    const { version, wrapped } = await this.ring.wrap(dataKey, dataKeyContext(context));
    return { dataKey, dataKeyWrapped: wrapped, keyVersion: version };
  }

  /** Throws IntegrityError when the wrapped key does not open. */
  openDataKey(envelope: Envelope, context: string): Promise<Buffer> {
    return this.ring.unwrap(envelope.keyVersion, envelope.dataKeyWrapped, dataKeyContext(context));
  }

  sealField(dataKey: Buffer, context: string, field: string, plaintext: string): Buffer {
    return seal(dataKey, Buffer.from(plaintext, 'utf8'), `${context}:${field}`);
  }

  /** Throws IntegrityError when the field does not open. */
  openField(dataKey: Buffer, context: string, field: string, sealed: Buffer): string {
    return open(dataKey, sealed, `${context}:${field}`).toString('utf8');
  }

  /** The same data key, wrapped under the active master key; null when already there. */
  async rewrap(envelope: Envelope, context: string): Promise<Envelope | null> {
    if (envelope.keyVersion === this.ring.activeVersion) return null;
    const dataKey = await this.openDataKey(envelope, context);
    try {
      const { version, wrapped } = await this.ring.wrap(dataKey, dataKeyContext(context));
      return { dataKeyWrapped: wrapped, keyVersion: version };
    } finally {
      dataKey.fill(0);
    }
  }

  get activeVersion(): string {
    return this.ring.activeVersion;
  }
}

function dataKeyContext(context: string): string {
  return `${context}:data-key`;
}

export { IntegrityError };
