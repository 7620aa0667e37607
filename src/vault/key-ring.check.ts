import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { EnvelopeStores } from './envelope-stores';
import { MasterKeys } from './master-keys';

/**
 * Start-up refuses a key ring that cannot open what is stored, before anything is sealed with
 * it: a master key version in use that the ring lacks, or a version whose key content changed
 * (its keyed check value differs from the one stored when the version was first seen).
 */
@Injectable()
export class KeyRingCheck implements OnModuleInit {
  private readonly logger = new Logger('Vault');

  constructor(
    private readonly keys: MasterKeys,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly stores: EnvelopeStores,
  ) {}

  async onModuleInit(): Promise<void> {
    const ours = new Map<string, string>();
    for (const version of this.keys.versions()) ours.set(version, await this.keys.checkValue(version));
    const stored = await this.storedCheckValues();
    this.refuseChangedKeys(stored, ours);
    const missing: string[] = [];
    for (const store of this.stores.all()) {
      for (const [version, count] of Object.entries(await store.countByKeyVersion())) {
        if (count > 0 && !ours.has(version)) missing.push(`${version} (${count} in ${store.name})`);
      }
    }
    if (missing.length > 0) {
      const rings = this.keys.report().rings.map((ring) => (ring.kind === 'local' ? 'VAULT_KEYS' : 'VAULT_PKCS11_KEYS'));
      const holders = rings.length > 1 ? `neither ${rings.join(' nor ')} holds` : `${rings[0]} does not hold`;
      throw new Error(`data keys are wrapped under master key versions that ${holders}: ${missing.join(', ')}. Add those keys back to ${rings.join(' or ')}.`);
    }
    // Only a ring that passed is remembered. A replica starting at the same moment with other
    // key material under a new version name may have recorded it first: read back what was
    // recorded, and refuse to start (before sealing anything) unless it is our key.
    for (const [version, checkValue] of ours) {
      if (stored.has(version)) continue;
      await this.dataSource.query('INSERT INTO vault_keys (version, check_value) VALUES ($1, $2) ON CONFLICT (version) DO NOTHING', [version, checkValue]);
    }
    this.refuseChangedKeys(await this.storedCheckValues(), ours);
    this.logger.log({ versions: this.keys.versions(), active: this.keys.activeVersion }, 'vault key ring checked');
  }

  private async storedCheckValues(): Promise<Map<string, string>> {
    const rows = (await this.dataSource.query('SELECT version, check_value FROM vault_keys')) as Array<{ version: string; check_value: string }>;
    return new Map(rows.map((row) => [row.version, row.check_value]));
  }

  private refuseChangedKeys(stored: Map<string, string>, ours: Map<string, string>): void {
    for (const [version, checkValue] of ours) {
      const known = stored.get(version);
      if (known !== undefined && known !== checkValue) {
        throw new Error(
          `${this.keys.describe(version)} is not the key it was: its check value differs from the one recorded when ${version} was first used. ` +
            `Restore the original key for ${version}; a new key needs a new version name.`,
        );
      }
    }
  }
}
