import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../common/actor';
import { AuditErrorCode } from '../audit/audit.errors';
import { ApiCallerAuth, CurrentActor, Roles } from '../common/route-metadata';
import { ApiErrors } from '../common/api-errors';
import { IntegrityReportDto, RewrapSummaryDto, VaultStatusDto } from './dto/vault-admin.dto';
import { VaultAdminService } from './vault-admin.service';
import { VaultErrorCode } from './vault.errors';

@ApiTags('vault')
@ApiCallerAuth()
@Roles('admin')
@Controller('v1/admin/vault')
export class VaultController {
  constructor(private readonly vault: VaultAdminService) {}

  @Get('status')
  @ApiOperation({
    summary: 'Master keys and the data keys they wrap',
    description: 'Admin only. Data keys per master key version and table; `removableVersions` are the old versions that may leave VAULT_KEYS.',
  })
  @ApiOkResponse({ type: VaultStatusDto, description: 'The key ring and the data keys per version' })
  status(): Promise<VaultStatusDto> {
    return this.vault.status();
  }

  @Post('rewrap')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Re-wrap data keys under VAULT_ACTIVE_KEY',
    description:
      'Admin only. Moves data keys from versions older than the active one, online, in batches; it can be stopped and run again, on ' +
      'several replicas at once. Refused (409 `vault_rewrap_refused`) on a replica whose VAULT_ACTIVE_KEY is older than a version already in use.',
  })
  @ApiOkResponse({ type: RewrapSummaryDto, description: 'What this run moved, what failed, what is left' })
  @ApiErrors(VaultErrorCode.RewrapRefused, VaultErrorCode.Unavailable, AuditErrorCode.Unavailable)
  rewrap(@CurrentActor() actor: Actor): Promise<RewrapSummaryDto> {
    return this.vault.rewrap(actor);
  }

  @Post('check')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Check every credential opens',
    description: 'Admin only. Opens every credential’s data key and secrets (returning nothing secret) and names those that fail their integrity check.',
  })
  @ApiOkResponse({ type: IntegrityReportDto, description: 'How many opened, and which failed' })
  check(): Promise<IntegrityReportDto> {
    return this.vault.check();
  }
}
