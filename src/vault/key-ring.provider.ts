import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Logger, Provider } from '@nestjs/common';
import { readOrCreateKeyFile } from '../common/local-key-file';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { DataKeyCache } from './data-key-cache';
import type { KeyRing } from './key-ring';
import { LocalKeyRing } from './local-key-ring';
import { MasterKeys } from './master-keys';
import { Pkcs11KeyRing } from './pkcs11/pkcs11-key-ring';

/**
 * The master keys: the PKCS#11 ring (VAULT_KEY_RING=pkcs11), the local ring from VAULT_KEYS,
 * or both while moving from one to the other. With neither, outside production: a development
 * key kept in DATA_DIR (losing that file loses every secret sealed under it, hence the loud warning).
 */
export const masterKeysProvider: Provider = {
  provide: MasterKeys,
  inject: [AppConfig, MetricsService],
  useFactory: async (config: AppConfig, metrics: MetricsService): Promise<MasterKeys> => {
    const rings: KeyRing[] = [];
    try {
      const local = await localKeyRing(config);
      if (local) {
        rings.push(local);
        metrics.keyRingAvailable.set({ ring: 'local' }, 1);
      }
      if (config.vault.pkcs11) {
        rings.push(
          await Pkcs11KeyRing.open(config.vault.pkcs11, {
            calls: (counts) => Object.entries(counts).forEach(([name, count]) => metrics.pkcs11Calls.inc({ function: name }, count)),
            availability: (available) => metrics.keyRingAvailable.set({ ring: 'pkcs11' }, available ? 1 : 0),
          }),
        );
        metrics.keyRingAvailable.set({ ring: 'pkcs11' }, 1);
      }
      return new MasterKeys(rings, config.vault.activeKey, metrics);
    } catch (error) {
      await Promise.all(rings.map((ring) => ring.close()));
      throw error;
    }
  },
};

async function localKeyRing(config: AppConfig): Promise<LocalKeyRing | undefined> {
  if (config.vault.keys) return LocalKeyRing.parse(config.vault.keys);
  if (config.vault.keyRing === 'pkcs11') return undefined;
  if (config.isProduction) throw new Error('VAULT_KEYS is required when NODE_ENV=production');
  const file = join(config.dataDir, 'vault-dev-key');
  const { text, created } = await readOrCreateKeyFile(file, () => `dev:${randomBytes(32).toString('base64')}`);
  new Logger('Vault').warn(
    { file, created },
    '!!! VAULT_KEYS is not set: credential secrets are sealed under a DEVELOPMENT master key kept in a local file. ' +
      'Never use this for real credentials; set VAULT_KEYS or use a PKCS#11 token (see README.md). !!!',
  );
  return LocalKeyRing.parse(text);
}

export const dataKeyCacheProvider: Provider = {
  provide: DataKeyCache,
  inject: [AppConfig, MetricsService],
  useFactory: (config: AppConfig, metrics: MetricsService) =>
    new DataKeyCache(config.vault.dataKeyCacheSeconds * 1000, {
      lookup: (hit) => metrics.dataKeyCacheLookups.inc({ result: hit ? 'hit' : 'miss' }),
      entries: (count) => metrics.dataKeyCacheEntries.set(count),
    }),
};
