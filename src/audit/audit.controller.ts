import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AppConfig } from '../config/app-config';
import { CurrentActor, Roles } from '../auth/decorators';
import type { Actor } from './actor';
import { AuditAvailability } from './audit-availability';
import { AuditQueryService } from './audit-query.service';
import { AuditRetention, PurgeResult } from './audit-retention';
import { AuditVerifier } from './audit-verifier';
import { AuditEventPageDto, ChainVerificationDto } from './dto/audit-event.dto';
import { ListAuditEventsQuery, VerifyAuditQuery } from './dto/audit-queries';
import { AuditStatusDto } from './dto/audit-status.dto';
import { PurgeAuditDto } from './dto/purge-audit.dto';

@ApiTags('audit')
@ApiBearerAuth()
@Roles('admin')
@Controller('v1/audit-events')
export class AuditController {
  constructor(
    private readonly query: AuditQueryService,
    private readonly verifier: AuditVerifier,
    private readonly retention: AuditRetention,
    private readonly availability: AuditAvailability,
    private readonly config: AppConfig,
  ) {}

  @Get()
  @ApiOkResponse({ type: AuditEventPageDto })
  list(@Query() query: ListAuditEventsQuery): Promise<AuditEventPageDto> {
    return this.query.list(query);
  }

  @Get('status')
  @ApiOperation({ summary: 'Whether the audit log can be written, as the replica that answers sees it' })
  @ApiOkResponse({ type: AuditStatusDto })
  status(): AuditStatusDto {
    const { available, since, lastFailureAt } = this.availability.snapshot();
    return { available, since: since.toISOString(), lastFailureAt: lastFailureAt?.toISOString() ?? null, failClosed: this.config.audit.failClosed };
  }

  @Get('verify')
  @ApiOkResponse({ type: ChainVerificationDto })
  verify(@Query() query: VerifyAuditQuery): Promise<ChainVerificationDto> {
    return this.verifier.verify({ from: query.from, to: query.to });
  }

  @Post('purge')
  @HttpCode(200)
  @ApiOkResponse({ description: '{ deleted, anchorSeq, cutoff }' })
  purge(@Body() body: PurgeAuditDto, @CurrentActor() actor: Actor): Promise<PurgeResult> {
    return this.retention.purgeOnRequest(actor, body);
  }
}
