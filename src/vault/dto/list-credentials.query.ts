import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { PageQueryDto } from '../../common/pagination';
import { ENVIRONMENTS } from '../../common/environment';
import type { Environment } from '../../common/environment';
import { CREDENTIAL_KINDS, CREDENTIAL_STATUSES } from '../credential.entity';
import type { CredentialKind, CredentialStatus } from '../credential.entity';

export class ListCredentialsQuery extends PageQueryDto {
  @ApiPropertyOptional({ enum: ENVIRONMENTS })
  @IsIn(ENVIRONMENTS, { message: `environment must be one of: ${ENVIRONMENTS.join(', ')}` })
  @IsOptional()
  environment?: Environment;

  @ApiPropertyOptional({ enum: CREDENTIAL_KINDS })
  @IsIn(CREDENTIAL_KINDS, { message: `kind must be one of: ${CREDENTIAL_KINDS.join(', ')}` })
  @IsOptional()
  kind?: CredentialKind;

  @ApiPropertyOptional({ enum: CREDENTIAL_STATUSES })
  @IsIn(CREDENTIAL_STATUSES, { message: `status must be one of: ${CREDENTIAL_STATUSES.join(', ')}` })
  @IsOptional()
  status?: CredentialStatus;

  @ApiPropertyOptional({
    enum: ['true', 'false'],
    description: 'true: only credentials whose secrets expire within CREDENTIAL_EXPIRY_WARNING_DAYS (or have expired)',
  })
  @IsIn(['true', 'false'], { message: 'expiresSoon must be true or false' })
  @IsOptional()
  expiresSoon?: 'true' | 'false';

  @ApiPropertyOptional({
    enum: ['true', 'false'],
    description: 'true: only credentials MyInvois has been failing (degraded: an outage, a maintenance page, a refused request) since degradedSince',
  })
  @IsIn(['true', 'false'], { message: 'degraded must be true or false' })
  @IsOptional()
  degraded?: 'true' | 'false';
}
