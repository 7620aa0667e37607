import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { DisplayName, PlainText, Required, IsOptionalButNotNull } from '../../../common/validators';
import { ROLES } from '../../../common/caller';
import type { Role } from '../../../common/caller';
import { IsTenantGrants } from './tenant-grants.validator';

// Validation runs bottom-up and stops at the first failure per field (see common/validation.ts).
export class CreatePrincipalDto {
  @ApiProperty({ maxLength: 200, example: 'submission-worker' })
  @DisplayName()
  name!: string;

  @ApiProperty({ enum: ROLES })
  @IsIn(ROLES, { message: `role must be one of: ${ROLES.join(', ')}` })
  @Required()
  role!: Role;

  @ApiPropertyOptional({ type: [String], example: ['*'], description: 'Tenant ids, or ["*"] for all; default none. Admins act on all tenants.' })
  @IsTenantGrants()
  @IsOptionalButNotNull()
  tenantGrants?: string[];

  @ApiPropertyOptional({ maxLength: 255, description: "Value of AUTH_EXTERNAL_PRINCIPAL_CLAIM in the identity provider's tokens that means this principal" })
  @PlainText()
  @MaxLength(255)
  @IsNotEmpty()
  @IsString()
  @IsOptionalButNotNull()
  externalSubject?: string;
}
