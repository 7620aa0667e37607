import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Logger, Provider } from '@nestjs/common';
import { readOrCreateKeyFile } from '../common/local-key-file';
import { AppConfig } from '../config/app-config';
import { KEY_RING, KeyRing } from './key-ring';
import { LocalKeyRing } from './local-key-ring';

/**
 * The key ring from VAULT_KEYS; outside production without it, a development key kept in
 * DATA_DIR (losing that file loses every secret sealed under it, hence the loud warning).
 */
export const keyRingProvider: Provider = {
  provide: KEY_RING,
  inject: [AppConfig],
  useFactory: async (config: AppConfig): Promise<KeyRing> => {
    if (config.vault.keys) return LocalKeyRing.parse(config.vault.keys, config.vault.activeKey);
    if (config.isProduction) throw new Error('VAULT_KEYS is required when NODE_ENV=production');
    const file = join(config.dataDir, 'vault-dev-key');
    const { text, created } = await readOrCreateKeyFile(file, () => `dev:${randomBytes(32).toString('base64')}`);
    new Logger('Vault').warn(
      { file, created },
      '!!! VAULT_KEYS is not set: credential secrets are sealed under a DEVELOPMENT master key kept in a local file. ' +
        'Never use this for real credentials; set VAULT_KEYS (see README.md). !!!',
    );
    return LocalKeyRing.parse(text, undefined);
  },
};
