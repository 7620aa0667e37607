import { Module } from '@nestjs/common';
import { CredentialHealth } from './credential-health.service';
import { CredentialsController } from './credentials.controller';
import { contextOf, CredentialsService } from './credentials.service';
import { envelopeTableProvider, EnvelopeStores } from './envelope-stores';
import { KeyRingCheck } from './key-ring.check';
import { dataKeyCacheProvider, masterKeysProvider } from './key-ring.provider';
import { KeyRingReadiness } from './key-ring.readiness';
import { VaultAdminService } from './vault-admin.service';
import { VaultCipher } from './vault-cipher';
import { VaultController } from './vault.controller';

@Module({
  controllers: [CredentialsController, VaultController],
  providers: [
    masterKeysProvider,
    dataKeyCacheProvider,
    VaultCipher,
    EnvelopeStores,
    envelopeTableProvider('CREDENTIAL_ENVELOPES', { table: 'credentials', idColumn: 'id', idType: 'uuid', context: contextOf }),
    KeyRingCheck,
    KeyRingReadiness,
    CredentialsService,
    CredentialHealth,
    VaultAdminService,
  ],
  exports: [VaultCipher, EnvelopeStores, CredentialsService, CredentialHealth, VaultAdminService],
})
export class VaultModule {}
