import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { PageQueryDto } from '../../common/pagination';
import { ENVIRONMENTS, TENANT_STATUSES } from '../tenant.entity';
import type { Environment, TenantStatus } from '../tenant.entity';
import { IsTin } from './tin.decorators';

export class ListTenantsQuery extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Exact TIN; normalised like on create' })
  @IsOptional()
  @IsTin()
  tin?: string;

  @ApiPropertyOptional({ enum: ENVIRONMENTS })
  @IsOptional()
  @IsIn(ENVIRONMENTS, { message: `environment must be one of: ${ENVIRONMENTS.join(', ')}` })
  environment?: Environment;

  @ApiPropertyOptional({ enum: TENANT_STATUSES })
  @IsOptional()
  @IsIn(TENANT_STATUSES, { message: `status must be one of: ${TENANT_STATUSES.join(', ')}` })
  status?: TenantStatus;
}
