import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional, IsUUID, Matches, MaxLength } from 'class-validator';
import { PageQueryDto } from '../../common/pagination';

export class ListAuditEventsQuery extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsUUID('all', { message: 'tenantId must be a UUID' })
  @IsOptional()
  tenantId?: string;

  @ApiPropertyOptional({ example: 'token.issued', description: 'Exact action, or a prefix ending in * (`credential.*`)' })
  @Matches(/^[a-z_]+(\.[a-z_]+)*(\.\*)?$|^[a-z_]+\*$/, { message: 'action must be a dotted action name such as token.issued, or a prefix such as credential.*' })
  @MaxLength(64)
  @IsOptional()
  action?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Principal id' })
  @IsUUID('all', { message: 'actorId must be a UUID' })
  @IsOptional()
  actorId?: string;

  @ApiPropertyOptional({ description: 'ISO 8601; events at or after' })
  @IsISO8601({ strict: true }, { message: 'from must be an ISO 8601 date-time' })
  @IsOptional()
  from?: string;

  @ApiPropertyOptional({ description: 'ISO 8601; events before' })
  @IsISO8601({ strict: true }, { message: 'to must be an ISO 8601 date-time' })
  @IsOptional()
  to?: string;
}

export class VerifyAuditQuery {
  @ApiPropertyOptional({ description: 'ISO 8601; verify from the first event at or after' })
  @IsISO8601({ strict: true }, { message: 'from must be an ISO 8601 date-time' })
  @IsOptional()
  from?: string;

  @ApiPropertyOptional({ description: 'ISO 8601; up to the last event at or before' })
  @IsISO8601({ strict: true }, { message: 'to must be an ISO 8601 date-time' })
  @IsOptional()
  to?: string;
}
