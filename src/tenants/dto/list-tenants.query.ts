import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsNotEmpty, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { PageQueryDto } from '../../common/pagination';
import { PlainText, Trim } from '../../common/validators';
import { ENVIRONMENTS } from '../../common/environment';
import { TENANT_STATUSES } from '../tenant.entity';
import type { Environment } from '../../common/environment';
import type { TenantStatus } from '../tenant.entity';
import { IsTin } from './tin.decorators';

export class ListTenantsQuery extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Exact TIN; normalised like on create' })
  @IsOptional()
  @IsTin()
  tin?: string;

  @ApiPropertyOptional({ maxLength: 200, description: 'Part of the name, any case (`contoh` finds Syarikat Contoh Sdn Bhd)' })
  @IsOptional()
  @Trim()
  @PlainText()
  @MaxLength(200)
  @IsNotEmpty({ message: 'name must not be empty' })
  @IsString()
  name?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Only tenants that log in with this credential' })
  @IsOptional()
  @IsUUID('all', { message: 'credentialId must be a UUID' })
  credentialId?: string;

  @ApiPropertyOptional({ enum: ENVIRONMENTS })
  @IsOptional()
  @IsIn(ENVIRONMENTS, { message: `environment must be one of: ${ENVIRONMENTS.join(', ')}` })
  environment?: Environment;

  @ApiPropertyOptional({ enum: TENANT_STATUSES })
  @IsOptional()
  @IsIn(TENANT_STATUSES, { message: `status must be one of: ${TENANT_STATUSES.join(', ')}` })
  status?: TenantStatus;
}
