import { ApiProperty } from '@nestjs/swagger';
import { ENVIRONMENTS } from '../../common/environment';
import { ON_BEHALF_OF_FORMATS, TENANT_STATUSES } from '../tenant.entity';
import type { Environment } from '../../common/environment';
import type { OnBehalfOfFormat, TenantStatus } from '../tenant.entity';

export class TenantDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'Syarikat Contoh Sdn Bhd' })
  name!: string;

  @ApiProperty({ example: 'C1234567890', description: 'Normalised TIN' })
  tin!: string;

  @ApiProperty({ nullable: true, type: String, example: '201901234567' })
  brn!: string | null;

  @ApiProperty({ enum: ENVIRONMENTS })
  environment!: Environment;

  @ApiProperty({ enum: TENANT_STATUSES })
  status!: TenantStatus;

  @ApiProperty({ format: 'uuid', nullable: true, type: String })
  credentialId!: string | null;

  @ApiProperty({ enum: ON_BEHALF_OF_FORMATS })
  onBehalfOfFormat!: OnBehalfOfFormat;

  @ApiProperty({ nullable: true, type: String, description: 'What the broker sends as onbehalfof (intermediary credentials only)', example: 'C1234567890' })
  onBehalfOf!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;
}

export class TenantPageDto {
  @ApiProperty({ type: [TenantDto] })
  items!: TenantDto[];

  @ApiProperty({ nullable: true, type: String })
  nextCursor!: string | null;
}
