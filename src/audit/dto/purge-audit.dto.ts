import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';
import { IsOptionalButNotNull } from '../../common/validators';
import { DATE_TIME_EXAMPLE, IsDateTime } from '../../common/date-time';

/** Exactly one of the two, no later than AUDIT_RETENTION_DAYS ago (checked by AuditRetention). */
export class PurgeAuditDto {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: 36_500,
    example: 400,
    description: 'Remove events older than this many days (at least AUDIT_RETENTION_DAYS)',
  })
  @Max(36_500)
  @Min(1)
  @IsInt()
  @IsOptionalButNotNull()
  olderThanDays?: number;

  @ApiPropertyOptional({ type: String, format: 'date-time', example: DATE_TIME_EXAMPLE, description: 'RFC 3339: remove events older than this instant' })
  @IsDateTime()
  @IsOptionalButNotNull()
  before?: Date;
}
