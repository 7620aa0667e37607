import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { DATE_TIME_EXAMPLE, IsDateTime } from '../../common/date-time';
import { IsOptionalButNotNull, Trim } from '../../common/validators';
import { IsCredentialLabel, IsCredentialValue } from './credential-fields';

export class UpdateCredentialDto {
  @ApiPropertyOptional({ maxLength: 200, nullable: true, type: String, example: 'Syarikat Contoh ERP' })
  @IsCredentialLabel(200)
  @IsOptional()
  @Trim()
  label?: string | null;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 1000, example: 12 })
  @Max(1000)
  @Min(1)
  @IsInt()
  @IsOptionalButNotNull()
  loginRatePerMinute?: number;

  @ApiPropertyOptional({ nullable: true, type: String, format: 'date-time', example: DATE_TIME_EXAMPLE, description: 'RFC 3339, or null when unknown' })
  @IsDateTime()
  @IsOptional()
  secretExpiresAt?: Date | null;
}

/** Either or both; `secondaryClientSecret: null` removes the second secret. */
export class ReplaceSecretsDto {
  @ApiPropertyOptional({ example: '<new secret 1>', description: 'Stored encrypted; never shown again' })
  @IsCredentialValue(512)
  @IsOptionalButNotNull()
  clientSecret?: string;

  @ApiPropertyOptional({ nullable: true, type: String })
  @IsCredentialValue(512)
  @IsOptional()
  secondaryClientSecret?: string | null;

  @ApiPropertyOptional({
    nullable: true,
    type: String,
    format: 'date-time',
    example: DATE_TIME_EXAMPLE,
    description: 'RFC 3339: the expiry of the new secrets',
  })
  @IsDateTime()
  @IsOptional()
  secretExpiresAt?: Date | null;
}
