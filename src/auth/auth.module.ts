import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { VaultModule } from '../vault/vault.module';
import { AccessTokenVerifier } from './guard/access-token.verifier';
import { AuthGuard } from './guard/auth.guard';
import { AuthTokenController } from './token-endpoint/auth-token.controller';
import { AuthTokenService } from './token-endpoint/auth-token.service';
import { Authenticator } from './guard/authenticator';
import { BootstrapAdmin } from './principals/bootstrap-admin';
import { Principal } from './principals/principal.entity';
import { PrincipalStates } from './principals/principal-states';
import { PrincipalsController } from './principals/principals.controller';
import { PrincipalsService } from './principals/principals.service';
import { signingKeyEnvelopes, SigningKeys } from './signing-keys/signing-keys';
import { SigningKeysController } from './signing-keys/signing-keys.controller';

@Module({
  imports: [TypeOrmModule.forFeature([Principal]), VaultModule],
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
