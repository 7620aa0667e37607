import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean } from 'class-validator';
import { DisplayName, IsOptionalButNotNull, Required } from '../../../common/validators';
import { IsTenantGrants } from './tenant-grants.validator';

export class UpdatePrincipalDto {
  @ApiPropertyOptional({ maxLength: 200, example: 'submission-worker-2' })
  @DisplayName({ optional: true })
  name?: string;

  @ApiPropertyOptional({ description: 'A disabled principal is refused at once, even with an unexpired token' })
  @IsBoolean()
  @IsOptionalButNotNull()
  enabled?: boolean;
}

export class ReplaceGrantsDto {
  @ApiProperty({ type: [String], example: ['*'] })
  @IsTenantGrants()
  @Required()
  tenantGrants!: string[];
}
