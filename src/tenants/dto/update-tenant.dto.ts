import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { DisplayName, IsOptionalButNotNull } from '../../common/validators';
import { TENANT_STATUSES } from '../tenant.entity';
import type { TenantStatus } from '../tenant.entity';
import { IsBrn } from './tin.decorators';

export class UpdateTenantDto {
  @ApiPropertyOptional({ maxLength: 200 })
  @DisplayName({ optional: true })
  name?: string;

  @ApiPropertyOptional({ nullable: true, type: String, description: '12 digits, or null to remove it' })
  @IsBrn()
  @IsOptional()
  brn?: string | null;

  @ApiPropertyOptional({ enum: TENANT_STATUSES })
  @IsIn(TENANT_STATUSES, { message: `status must be one of: ${TENANT_STATUSES.join(', ')}` })
  @IsOptionalButNotNull()
  status?: TenantStatus;
}
