import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiCallerAuth, CurrentActor, Roles } from '../common/route-metadata';
import { ApiErrors } from '../common/api-errors';
import { JsonBody, QueryParams } from '../common/request-bodies';
import { AppConfig } from '../config/app-config';
import type { Actor } from '../common/actor';
import { PageQueryDto } from '../common/pagination';
import { AuditAvailability } from './audit-availability';
import { AuditCheckpoints } from './audit-checkpoints';
import { AuditErrorCode } from './audit.errors';
import { AuditQueryService } from './audit-query.service';
import { AuditRetention } from './audit-retention';
import { AuditVerifier } from './audit-verifier';
import { AuditEventPageDto, ChainVerificationDto, PurgeResultDto } from './dto/audit-event.dto';
import { ListAuditEventsQuery, VerifyAuditQuery } from './dto/audit-queries';
import { AuditCheckpointPageDto } from './dto/audit-checkpoint.dto';
import { AuditStatusDto } from './dto/audit-status.dto';
import { PurgeAuditDto } from './dto/purge-audit.dto';

@ApiTags('audit')
@ApiCallerAuth()
@Roles('admin')
@Controller('v1/audit-events')
export class AuditController {
  constructor(
    private readonly query: AuditQueryService,
    private readonly verifier: AuditVerifier,
    private readonly retention: AuditRetention,
    private readonly availability: AuditAvailability,
    private readonly checkpoints: AuditCheckpoints,
    private readonly config: AppConfig,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'Query the audit log',
    description:
      'Admin only. Events newest first, in pages (`nextCursor`), filtered by tenant, action (exact, or a prefix such as `token.*`), ' +
      'actor and RFC 3339 times (`from` at or after, `to` before).',
  })
  @ApiOkResponse({ type: AuditEventPageDto, description: 'A page of events, newest first' })
  @ApiErrors(AuditErrorCode.InvalidRange)
  list(@QueryParams() query: ListAuditEventsQuery): Promise<AuditEventPageDto> {
    return this.query.list(query);
  }

  @Get('status')
  @ApiOperation({
    summary: 'Whether the audit log can be written',
    description:
      'Admin only. As the replica that answers sees it: whether its last audit write succeeded, since when, the last failure, ' +
      'and whether requests fail closed (`AUDIT_FAIL_CLOSED`) while it cannot write. Behind a load balancer each answer is one replica.',
  })
  @ApiOkResponse({ type: AuditStatusDto, description: "The answering replica's view of audit availability" })
  status(): AuditStatusDto {
    const { available, since, lastFailureAt } = this.availability.snapshot();
    return { available, since: since.toISOString(), lastFailureAt: lastFailureAt?.toISOString() ?? null, failClosed: this.config.audit.failClosed };
  }

  @Get('checkpoints')
  @ApiOperation({
    summary: 'List the signed checkpoints of the audit chain',
    description:
      'Admin only. Newest first, in pages (`nextCursor`). Every AUDIT_CHECKPOINT_MINUTES one replica signs the head of the chain as a JWS ' +
      'with the broker signing key (verify it with /.well-known/jwks.json) and sends it as the `audit.checkpoint` webhook. Kept outside the ' +
      'database, checkpoints show a chain rewritten with recomputed hashes: `npm run audit:verify -- --checkpoints FILE`.',
  })
  @ApiOkResponse({ type: AuditCheckpointPageDto, description: 'A page of checkpoints, newest first' })
  listCheckpoints(@QueryParams() query: PageQueryDto): Promise<AuditCheckpointPageDto> {
    return this.checkpoints.list(query);
  }

  @Get('verify')
  @ApiOperation({
    summary: 'Verify the audit chain',
    description: 'Admin only. Recomputes every hash (between `from` and `to`, when given): an edited, removed or truncated event shows.',
  })
  @ApiOkResponse({ type: ChainVerificationDto, description: 'The result, whether the chain holds or not (see `ok`)' })
  verify(@QueryParams() query: VerifyAuditQuery): Promise<ChainVerificationDto> {
    return this.verifier.verify({ from: query.from, to: query.to });
  }

  @Post('purge')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Purge old audit events',
    description:
      'Admin only. Removes events older than `olderThanDays` days or than `before` (exactly one), never younger than AUDIT_RETENTION_DAYS; ' +
      'refused (409 `audit_purge_disabled`) when AUDIT_RETENTION_DAYS is unset. What remains still verifies from its new anchor.',
  })
  @ApiOkResponse({ type: PurgeResultDto, description: 'Purged; the new anchor of the chain' })
  @ApiErrors(AuditErrorCode.PurgeDisabled, AuditErrorCode.Unavailable)
  purge(@JsonBody() body: PurgeAuditDto, @CurrentActor() actor: Actor): Promise<PurgeResultDto> {
    return this.retention.purgeOnRequest(actor, body);
  }
}
