import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { TenantsModule } from '../tenants/tenants.module';
import { VaultModule } from '../vault/vault.module';
import { AccessTokenVerifier } from './access-token.verifier';
import { AuthGuard } from './auth.guard';
import { AuthTokenController } from './auth-token.controller';
import { AuthTokenService } from './auth-token.service';
import { Authenticator } from './authenticator';
import { BootstrapAdmin } from './bootstrap-admin';
import { Principal } from './principal.entity';
import { PrincipalStates } from './principal-states';
import { PrincipalsController } from './principals.controller';
import { PrincipalsService } from './principals.service';
import { signingKeyEnvelopes, SigningKeys } from './signing-keys';
import { SigningKeysController } from './signing-keys.controller';

@Module({
  imports: [TypeOrmModule.forFeature([Principal]), TenantsModule, VaultModule],
  controllers: [AuthTokenController, PrincipalsController, SigningKeysController],
  providers: [
    SigningKeys,
    signingKeyEnvelopes,
    AccessTokenVerifier,
    PrincipalStates,
    Authenticator,
    AuthTokenService,
    PrincipalsService,
    BootstrapAdmin,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [PrincipalsService, SigningKeys],
})
export class AuthModule {}
