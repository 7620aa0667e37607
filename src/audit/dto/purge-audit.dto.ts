import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsISO8601, IsOptional, Max, Min } from 'class-validator';

/** Exactly one of the two (checked by AuditRetention). */
export class PurgeAuditDto {
  @ApiPropertyOptional({ minimum: 1, description: 'Remove events older than this many days (the oldest part of the chain)' })
  @Max(36_500)
  @Min(1)
  @IsInt()
  @IsOptional()
  olderThanDays?: number;

  @ApiPropertyOptional({ description: 'ISO 8601: remove events older than this instant' })
  @IsISO8601({ strict: true }, { message: 'before must be an ISO 8601 date-time' })
  @IsOptional()
  before?: string;
}
