import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, Max, Min } from 'class-validator';
import { DATE_TIME_EXAMPLE, IsDateTime } from '../../common/date-time';
import { Required, Trim, IsOptionalButNotNull } from '../../common/validators';
import { ENVIRONMENTS } from '../../common/environment';
import type { Environment } from '../../common/environment';
import { CREDENTIAL_KINDS } from '../credential.entity';
import type { CredentialKind } from '../credential.entity';
import { IsCredentialLabel, IsCredentialValue } from './credential-fields';

export class CreateCredentialDto {
  @ApiProperty({ enum: CREDENTIAL_KINDS, description: 'taxpayer: serves one tenant; intermediary: many, with onbehalfof' })
  @IsIn(CREDENTIAL_KINDS, { message: `kind must be one of: ${CREDENTIAL_KINDS.join(', ')}` })
  @Required()
  kind!: CredentialKind;

  @ApiProperty({ enum: ENVIRONMENTS })
  @IsIn(ENVIRONMENTS, { message: `environment must be one of: ${ENVIRONMENTS.join(', ')}` })
  @Required()
  environment!: Environment;

  @ApiProperty({ description: 'The MyInvois client ID (a GUID from the MyInvois portal)', example: '3fa85f64-5717-4562-b3fc-2c963f66afa6' })
  @IsCredentialValue(128)
  @Required()
  clientId!: string;

  @ApiProperty({ example: '<secret 1>', description: 'Stored encrypted; never shown again' })
  @IsCredentialValue(512)
  @Required()
  clientSecret!: string;

  @ApiPropertyOptional({ description: 'The second secret MyInvois issues; used when the first is refused' })
  @IsCredentialValue(512)
  @IsOptionalButNotNull()
  secondaryClientSecret?: string;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    example: DATE_TIME_EXAMPLE,
    description: 'RFC 3339; when the secrets expire (chosen at registration in the portal)',
  })
  @IsDateTime()
  @IsOptionalButNotNull()
  secretExpiresAt?: Date;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: 1000,
    example: 12,
    description:
      "MyInvois's login limit for this client ID a minute; default 12 in production, MYINVOIS_SANDBOX_LOGIN_RATE_PER_MINUTE (6) in the sandbox, whose limits are lower and unpublished",
  })
  @Max(1000)
  @Min(1)
  @IsInt()
  @IsOptionalButNotNull()
  loginRatePerMinute?: number;

  @ApiPropertyOptional({ maxLength: 200, example: 'Syarikat Contoh ERP' })
  @IsCredentialLabel(200)
  @IsOptionalButNotNull()
  @Trim()
  label?: string;
}
