import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { IsOptionalButNotNull, Trim } from '../../common/validators';
import { TENANT_STATUSES } from '../tenant.entity';
import type { TenantStatus } from '../tenant.entity';
import { IsBrn } from './tin.decorators';

export class UpdateTenantDto {
  @ApiPropertyOptional({ maxLength: 200 })
  @MaxLength(200)
  @IsNotEmpty()
  @IsString()
  @IsOptionalButNotNull()
  @Trim()
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
