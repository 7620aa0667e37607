import { IntegrityError, KEY_BYTES, keyCheckValue, open, seal } from './envelope';
import type { KeyRing } from './key-ring';

const VERSION = /^[A-Za-z0-9_-]{1,32}$/;

/** Master keys from configuration: `VAULT_KEYS=v1:<base64 32 bytes>,v2:...` and `VAULT_ACTIVE_KEY`. */
export class LocalKeyRing implements KeyRing {
  private constructor(
    private readonly keys: Map<string, Buffer>,
    readonly activeVersion: string,
  ) {}

  /** Throws with a message naming the problem; never echoes key material. */
  static parse(spec: string, active: string | undefined): LocalKeyRing {
    const keys = new Map<string, Buffer>();
    for (const [index, entry] of spec
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean)
      .entries()) {
      const colon = entry.indexOf(':');
      const version = colon > 0 ? entry.slice(0, colon) : '';
      if (!VERSION.test(version)) throw new Error(`VAULT_KEYS entry ${index + 1} must be <version>:<base64 key>, with a version of letters, digits, _ or -`);
      const key = Buffer.from(entry.slice(colon + 1), 'base64');
      if (key.length !== KEY_BYTES) throw new Error(`VAULT_KEYS key ${version} must be base64 of exactly 32 bytes (it is ${key.length})`);
      if (keys.has(version)) throw new Error(`VAULT_KEYS names version ${version} twice`);
      keys.set(version, key);
    }
    if (keys.size === 0) throw new Error('VAULT_KEYS holds no key');
    const activeVersion = active ?? (keys.size === 1 ? [...keys.keys()][0] : undefined);
    if (!activeVersion) throw new Error('VAULT_ACTIVE_KEY must name the key for new data keys when VAULT_KEYS holds several');
    if (!keys.has(activeVersion)) throw new Error(`VAULT_ACTIVE_KEY ${activeVersion} is not among the VAULT_KEYS versions (${[...keys.keys()].join(', ')})`);
    return new LocalKeyRing(keys, activeVersion);
  }

  versions(): string[] {
    return [...this.keys.keys()];
  }

  async wrap(dataKey: Buffer, context: string): Promise<{ version: string; wrapped: Buffer }> {
    return { version: this.activeVersion, wrapped: seal(this.keys.get(this.activeVersion)!, dataKey, context) };
  }

  async unwrap(version: string, wrapped: Buffer, context: string): Promise<Buffer> {
    const key = this.keys.get(version);
    if (!key) throw new IntegrityError(`master key ${version} is not in the key ring`);
    return open(key, wrapped, context);
  }

  checkValue(version: string): string {
    const key = this.keys.get(version);
    if (!key) throw new Error(`master key ${version} is not in the key ring`);
    return keyCheckValue(key);
  }
}
