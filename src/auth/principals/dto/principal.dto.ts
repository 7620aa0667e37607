import { ApiProperty } from '@nestjs/swagger';
import { ROLES } from '../../../common/caller';
import type { Role } from '../../../common/caller';

export class PrincipalDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'submission-worker' })
  name!: string;

  @ApiProperty({ enum: ROLES })
  role!: Role;

  @ApiProperty({ description: 'Send as client_id to POST /v1/auth/token' })
  clientId!: string;

  @ApiProperty({ type: [String], example: ['*'], description: 'Tenant ids this principal may act on, or ["*"] for all' })
  tenantGrants!: string[];

  @ApiProperty({ nullable: true, type: String, description: "Maps the external identity provider's tokens to this principal" })
  externalSubject!: string | null;

  @ApiProperty({ description: 'A disabled principal is refused at once, even with an unexpired token' })
  enabled!: boolean;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;
}

export class PrincipalWithSecretDto extends PrincipalDto {
  @ApiProperty({ description: 'Shown only now; store it safely. Only a hash is kept.' })
  clientSecret!: string;
}

export class PrincipalPageDto {
  @ApiProperty({ type: [PrincipalDto] })
  items!: PrincipalDto[];

  @ApiProperty({ nullable: true, type: String })
  nextCursor!: string | null;
}

export class PrincipalSecretDto {
  @ApiProperty({ description: 'Send as client_id to POST /v1/auth/token' })
  clientId!: string;

  @ApiProperty({ description: 'The new secret, shown only now; the old one and every token obtained with it stop working at once' })
  clientSecret!: string;
}
