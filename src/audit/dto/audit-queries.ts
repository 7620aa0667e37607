import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsUUID, Matches, MaxLength } from 'class-validator';
import { PageQueryDto } from '../../common/pagination';
import { DATE_TIME_EXAMPLE, IsDateTime } from '../../common/date-time';

export class ListAuditEventsQuery extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsUUID('all', { message: 'tenantId must be a UUID' })
  @IsOptional()
  tenantId?: string;

  @ApiPropertyOptional({ example: 'token.issued', description: 'Exact action, or a prefix ending in * (`credential.*`)' })
  @Matches(/^[a-z_]+(\.[a-z_]+)*(\.\*)?$|^[a-z_]+\*$/, {
    message: 'action must be a dotted action name such as token.issued, or a prefix such as credential.*',
  })
  @MaxLength(64)
  @IsOptional()
  action?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Principal id' })
  @IsUUID('all', { message: 'actorId must be a UUID' })
  @IsOptional()
  actorId?: string;

  @ApiPropertyOptional({ type: String, format: 'date-time', example: DATE_TIME_EXAMPLE, description: 'RFC 3339; events at or after' })
  @IsDateTime()
  @IsOptional()
  from?: Date;

  @ApiPropertyOptional({ type: String, format: 'date-time', example: DATE_TIME_EXAMPLE, description: 'RFC 3339; events before' })
  @IsDateTime()
  @IsOptional()
  to?: Date;
}

export class VerifyAuditQuery {
  @ApiPropertyOptional({ type: String, format: 'date-time', example: DATE_TIME_EXAMPLE, description: 'RFC 3339; verify from the first event at or after' })
  @IsDateTime()
  @IsOptional()
  from?: Date;

  @ApiPropertyOptional({ type: String, format: 'date-time', example: DATE_TIME_EXAMPLE, description: 'RFC 3339; up to the last event at or before' })
  @IsDateTime()
  @IsOptional()
  to?: Date;
}
