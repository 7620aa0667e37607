import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentActor, Roles } from '../auth/decorators';
import type { Actor } from './actor';
import { AuditQueryService } from './audit-query.service';
import { AuditRetention, PurgeResult } from './audit-retention';
import { AuditVerifier } from './audit-verifier';
import { AuditEventPageDto, ChainVerificationDto } from './dto/audit-event.dto';
import { ListAuditEventsQuery, VerifyAuditQuery } from './dto/audit-queries';
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
  ) {}

  @Get()
  @ApiOkResponse({ type: AuditEventPageDto })
  list(@Query() query: ListAuditEventsQuery): Promise<AuditEventPageDto> {
    return this.query.list(query);
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
