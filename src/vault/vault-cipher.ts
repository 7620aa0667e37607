import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { DataKeyCache } from './data-key-cache';
import { IntegrityError, newDataKey, open, seal } from './envelope';
import { KeyRingUnavailable } from './key-ring';
import { MasterKeys } from './master-keys';
import { VaultError } from './vault.errors';

/** A row's envelope: its data key, wrapped, and the master key version that wraps it. */
export interface Envelope {
  dataKeyWrapped: Buffer;
  keyVersion: string;
}

/**
 * Envelope encryption for any record: each record (`context`, such as `credential:<id>`) has
 * its own data key; fields are sealed under it with `<context>:<field>` as associated data.
 * Data keys are wrapped and unwrapped by the master keys (maybe in a device), and kept for a
 * while in the data-key cache; a key ring that cannot answer is a 503 `vault_unavailable`.
 */
@Injectable()
export class VaultCipher implements OnApplicationShutdown {
  constructor(
    private readonly keys: MasterKeys,
    private readonly cache: DataKeyCache,
  ) {}

  async newEnvelope(context: string): Promise<Envelope & { dataKey: Buffer }> {
    const dataKey = newDataKey();
    try {
      const { version, wrapped } = await this.reachable(() => this.keys.wrap(dataKey, dataKeyContext(context)));
      const envelope = { dataKeyWrapped: wrapped, keyVersion: version };
      this.cache.put(context, envelope, dataKey);
      return { dataKey, ...envelope };
    } catch (error) {
      dataKey.fill(0);
      throw error;
    }
  }

  /** Throws IntegrityError when the wrapped key does not open. The caller wipes the key it gets. */
  async openDataKey(envelope: Envelope, context: string): Promise<Buffer> {
    const cached = this.cache.get(context, envelope);
    if (cached) return cached;
    const dataKey = await this.reachable(() => this.keys.unwrap(envelope.keyVersion, envelope.dataKeyWrapped, dataKeyContext(context)));
    this.cache.put(context, envelope, dataKey);
    return dataKey;
  }

  sealField(dataKey: Buffer, context: string, field: string, plaintext: string): Buffer {
    return seal(dataKey, Buffer.from(plaintext, 'utf8'), `${context}:${field}`);
  }

  /** Throws IntegrityError when the field does not open. */
  openField(dataKey: Buffer, context: string, field: string, sealed: Buffer): string {
    return open(dataKey, sealed, `${context}:${field}`).toString('utf8');
  }

  /** The same data key, wrapped under the active master key; null when already there. Wipes the record's cached keys. */
  async rewrap(envelope: Envelope, context: string): Promise<Envelope | null> {
    if (envelope.keyVersion === this.keys.activeVersion) return null;
    const dataKey = await this.openDataKey(envelope, context);
    try {
      const { version, wrapped } = await this.reachable(() => this.keys.wrap(dataKey, dataKeyContext(context)));
      return { dataKeyWrapped: wrapped, keyVersion: version };
    } finally {
      dataKey.fill(0);
      this.cache.forget(context);
    }
  }

  /** The record is gone: its data key need not stay in memory. */
  forget(context: string): void {
    this.cache.forget(context);
  }

  get activeVersion(): string {
    return this.keys.activeVersion;
  }

  onApplicationShutdown(): void {
    this.cache.clear();
  }

  private async reachable<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof KeyRingUnavailable) throw VaultError.unavailable(error.message, error.retryAfterSeconds);
      throw error;
    }
  }
}

function dataKeyContext(context: string): string {
  return `${context}:data-key`;
}

export { IntegrityError };
