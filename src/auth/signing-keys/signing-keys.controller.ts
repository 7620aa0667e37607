import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../../common/actor';
import { AuditErrorCode } from '../../audit/audit.errors';
import { VaultErrorCode } from '../../vault/vault.errors';
import { ApiErrors } from '../../common/api-errors';
import { AuthErrorCode } from '../auth.errors';
import { ApiCallerAuth, CurrentActor, Roles } from '../../common/route-metadata';
import { SigningKeyDto } from './dto/signing-key.dto';
import { SigningKeys } from './signing-keys';

@ApiTags('auth')
@ApiCallerAuth()
@Roles('admin')
@Controller('v1/admin/signing-keys')
export class SigningKeysController {
  constructor(private readonly signingKeys: SigningKeys) {}

  @Get()
  @ApiOperation({
    summary: "The broker's token-signing keys",
    description: 'Admin only. The keys that sign and verify broker tokens, the active one first; never their private parts.',
  })
  @ApiOkResponse({ type: [SigningKeyDto], description: 'The keys, the active one first' })
  list(): SigningKeyDto[] {
    return this.signingKeys.list();
  }

  @Post('rotate')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Rotate the token-signing key',
    description:
      'Admin only. A new key signs from now on, on every replica; the old ones stay in the JWKS until the tokens they signed have expired. ' +
      'Refused (409 `signing_key_configured`) when the key comes from AUTH_SIGNING_KEY.',
  })
  @ApiOkResponse({ type: [SigningKeyDto], description: 'The keys after the rotation, the new active one first' })
  @ApiErrors(AuthErrorCode.SigningKeyConfigured, VaultErrorCode.Unavailable, AuditErrorCode.Unavailable)
  rotate(@CurrentActor() actor: Actor): Promise<SigningKeyDto[]> {
    return this.signingKeys.rotate(actor);
  }
}
