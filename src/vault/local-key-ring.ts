import { parseVaultKeys } from '../config/vault-keys';
import { IntegrityError, keyCheckValue, open, seal } from './envelope';
import type { KeyRing, KeyRingAvailability } from './key-ring';

/** Master keys from configuration (`VAULT_KEYS=v1:<base64 32 bytes>,v2:...`), held in this process. */
export class LocalKeyRing implements KeyRing {
  readonly kind = 'local' as const;
  private readonly since = new Date();

  constructor(private readonly keys: Map<string, Buffer>) {}

  /** Throws with a message naming the problem; never echoes key material. */
  static parse(spec: string): LocalKeyRing {
    return new LocalKeyRing(parseVaultKeys(spec));
  }

  versions(): string[] {
    return [...this.keys.keys()];
  }

  describe(version: string): string {
    return `VAULT_KEYS version ${version}`;
  }

  async wrap(version: string, dataKey: Buffer, context: string): Promise<Buffer> {
    return seal(this.key(version), dataKey, context);
  }

  async unwrap(version: string, wrapped: Buffer, context: string): Promise<Buffer> {
    const key = this.keys.get(version);
    if (!key) throw new IntegrityError(`master key ${version} is not in the key ring`);
    return open(key, wrapped, context);
  }

  async checkValue(version: string): Promise<string> {
    return keyCheckValue(this.key(version));
  }

  availability(): KeyRingAvailability {
    return { available: true, since: this.since };
  }

  async close(): Promise<void> {
    for (const key of this.keys.values()) key.fill(0);
  }

  private key(version: string): Buffer {
    const key = this.keys.get(version);
    if (!key) throw new Error(`master key ${version} is not in the key ring`);
    return key;
  }
}
