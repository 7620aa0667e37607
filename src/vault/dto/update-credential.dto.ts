import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsISO8601, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { IsOptionalButNotNull, Trim } from '../../common/validators';
import { IsCredentialValue } from './credential-fields';

export class UpdateCredentialDto {
  @ApiPropertyOptional({ maxLength: 200, nullable: true, type: String })
  @MaxLength(200)
  @IsString()
  @IsOptional()
  @Trim()
  label?: string | null;

  @ApiPropertyOptional({ minimum: 1, maximum: 1000 })
  @Max(1000)
  @Min(1)
  @IsInt()
  @IsOptionalButNotNull()
  loginRatePerMinute?: number;

  @ApiPropertyOptional({ nullable: true, type: String, description: 'ISO 8601, or null when unknown' })
  @IsISO8601({ strict: true }, { message: 'secretExpiresAt must be an ISO 8601 date-time' })
  @IsOptional()
  secretExpiresAt?: string | null;
}

/** Either or both; `secondaryClientSecret: null` removes the second secret. */
export class ReplaceSecretsDto {
  @ApiPropertyOptional()
  @IsCredentialValue(512)
  @IsOptionalButNotNull()
  clientSecret?: string;

  @ApiPropertyOptional({ nullable: true, type: String })
  @IsCredentialValue(512)
  @IsOptional()
  secondaryClientSecret?: string | null;

  @ApiPropertyOptional({ nullable: true, type: String, description: 'ISO 8601: the expiry of the new secrets' })
  @IsISO8601({ strict: true }, { message: 'secretExpiresAt must be an ISO 8601 date-time' })
  @IsOptional()
  secretExpiresAt?: string | null;
}
