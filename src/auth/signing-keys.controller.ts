import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../audit/actor';
import { CurrentActor, Roles } from './decorators';
import { SigningKeyInfo, SigningKeys } from './signing-keys';

@ApiTags('auth')
@ApiBearerAuth()
@Roles('admin')
@Controller('v1/admin/signing-keys')
export class SigningKeysController {
  constructor(private readonly signingKeys: SigningKeys) {}

  @Get()
  @ApiOperation({ summary: 'The keys that sign and verify broker tokens (never their private parts)' })
  list(): SigningKeyInfo[] {
    return this.signingKeys.list();
  }

  @Post('rotate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Sign with a new key from now on; old keys verify until their tokens expire' })
  rotate(@CurrentActor() actor: Actor): Promise<SigningKeyInfo[]> {
    return this.signingKeys.rotate(actor);
  }
}
