import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../audit/actor';
import { CurrentActor, Roles } from '../auth/decorators';
import { IntegrityReport, RewrapSummary, VaultAdminService, VaultStatus } from './vault-admin.service';

@ApiTags('vault')
@ApiBearerAuth()
@Roles('admin')
@Controller('v1/admin/vault')
export class VaultController {
  constructor(private readonly vault: VaultAdminService) {}

  @Get('status')
  @ApiOperation({ summary: 'Data keys per master key version; which old versions can be removed' })
  status(): Promise<VaultStatus> {
    return this.vault.status();
  }

  @Post('rewrap')
  @HttpCode(200)
  @ApiOperation({ summary: 'Re-wrap every data key under VAULT_ACTIVE_KEY (online, batched, resumable)' })
  @ApiOkResponse({ description: '{ activeVersion, rewrapped, failed, remaining }' })
  rewrap(@CurrentActor() actor: Actor): Promise<RewrapSummary> {
    return this.vault.rewrap(actor);
  }

  @Post('check')
  @HttpCode(200)
  @ApiOperation({ summary: 'Open every credential (without returning anything secret) and name those that fail' })
  check(): Promise<IntegrityReport> {
    return this.vault.check();
  }
}
