import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { EnvelopeStores } from './envelope-stores';
import { KEY_RING } from './key-ring';
import type { KeyRing } from './key-ring';

/**
 * Start-up refuses a key ring that cannot open what is stored, before anything is sealed with
 * it: a master key version in use that the ring lacks, or a version whose key content changed
 * (its keyed check value differs from the one stored when the version was first seen).
 */
@Injectable()
export class KeyRingCheck implements OnModuleInit {
  private readonly logger = new Logger('Vault');

  constructor(
    @Inject(KEY_RING) private readonly ring: KeyRing,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly stores: EnvelopeStores,
  ) {}

  async onModuleInit(): Promise<void> {
    for (const version of this.ring.versions()) {
      const checkValue = this.ring.checkValue(version);
      await this.dataSource.query('INSERT INTO vault_keys (version, check_value) VALUES ($1, $2) ON CONFLICT (version) DO NOTHING', [
        version,
        checkValue,
      ]);
      const [stored] = (await this.dataSource.query('SELECT check_value FROM vault_keys WHERE version = $1', [version])) as Array<{
        check_value: string;
      }>;
      if (stored.check_value !== checkValue) {
        throw new Error(
          `VAULT_KEYS version ${version} is not the key it was: its check value differs from the one recorded when ${version} was first used. ` +
            `Restore the original key for ${version}; a new key needs a new version name.`,
        );
      }
    }
    const held = new Set(this.ring.versions());
    for (const store of this.stores.all()) {
      const missing = Object.entries(await store.countByKeyVersion()).filter(([version, count]) => count > 0 && !held.has(version));
      if (missing.length > 0) {
        const list = missing.map(([version, count]) => `${version} (${count} in ${store.name})`).join(', ');
        throw new Error(`data keys are wrapped under master key versions that VAULT_KEYS does not hold: ${list}. Add those keys back to VAULT_KEYS.`);
      }
    }
    this.logger.log({ versions: this.ring.versions(), active: this.ring.activeVersion }, 'vault key ring checked');
  }
}
