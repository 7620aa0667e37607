import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { DisplayName, IsOptionalButNotNull } from '../../common/validators';
import { ON_BEHALF_OF_FORMATS, TENANT_STATUSES } from '../tenant.entity';
import type { OnBehalfOfFormat, TenantStatus } from '../tenant.entity';
import { IsBrn } from './tin.decorators';

export class UpdateTenantDto {
  @ApiPropertyOptional({ maxLength: 200, example: 'Syarikat Contoh Berhad' })
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

  @ApiPropertyOptional({
    format: 'uuid',
    nullable: true,
    type: String,
    example: '3fa85f64-5717-4562-b3fc-2c963f66afa6',
    description: 'The MyInvois credential to log in with; null detaches it',
  })
  @IsUUID('all', { message: 'credentialId must be a UUID' })
  @IsOptional()
  credentialId?: string | null;

  @ApiPropertyOptional({ enum: ON_BEHALF_OF_FORMATS, description: 'With an intermediary credential: onbehalfof is the TIN, or TIN:BRN' })
  @IsIn(ON_BEHALF_OF_FORMATS, { message: `onBehalfOfFormat must be one of: ${ON_BEHALF_OF_FORMATS.join(', ')}` })
  @IsOptionalButNotNull()
  onBehalfOfFormat?: OnBehalfOfFormat;
}
