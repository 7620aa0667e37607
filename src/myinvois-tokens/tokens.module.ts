import { Module } from '@nestjs/common';
import { MyInvoisModule } from '../myinvois/myinvois.module';
import { TenantsModule } from '../tenants/tenants.module';
import { VaultModule } from '../vault/vault.module';
import { CredentialBudgets } from './credential-budgets';
import { LoginJournal } from './login-journal';
import { ReplicaHeartbeat } from './replica-heartbeat';
import { SecretRefusals } from './secret-refusals';
import { TokenStore } from './token-store';
import { TokensController } from './tokens.controller';
import { TokensService } from './tokens.service';
import { UpstreamLogin } from './upstream-login';

@Module({
  imports: [TenantsModule, VaultModule, MyInvoisModule],
  controllers: [TokensController],
  providers: [ReplicaHeartbeat, TokenStore, SecretRefusals, LoginJournal, UpstreamLogin, TokensService, CredentialBudgets],
  exports: [TokenStore, UpstreamLogin, TokensService],
})
export class TokensModule {}
