import { ApiProperty } from '@nestjs/swagger';
import { ENVIRONMENTS } from '../../tenants/tenant.entity';
import { CREDENTIAL_KINDS, CREDENTIAL_STATUSES } from '../credential.entity';

/** A credential as the API shows it: everything but its secrets. */
export class CredentialDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ enum: CREDENTIAL_KINDS })
  kind!: string;

  @ApiProperty({ enum: ENVIRONMENTS })
  environment!: string;

  @ApiProperty()
  clientId!: string;

  @ApiProperty({ nullable: true, type: String })
  label!: string | null;

  @ApiProperty({ description: 'How many secrets are stored (1 or 2)' })
  secretsSet!: number;

  @ApiProperty({ nullable: true, type: String })
  secretExpiresAt!: string | null;

  @ApiProperty({ description: 'The secrets expire within CREDENTIAL_EXPIRY_WARNING_DAYS (or already have)' })
  expiresSoon!: boolean;

  @ApiProperty()
  loginRatePerMinute!: number;

  @ApiProperty({ enum: CREDENTIAL_STATUSES })
  status!: string;

  @ApiProperty({ nullable: true, type: String, description: 'The upstream error code when invalid' })
  lastErrorCode!: string | null;

  @ApiProperty({ nullable: true, type: String })
  lastErrorDescription!: string | null;

  @ApiProperty({ description: 'Master key version wrapping this credential’s data key' })
  keyVersion!: string;

  @ApiProperty()
  createdAt!: string;

  @ApiProperty()
  updatedAt!: string;
}

export class CredentialPageDto {
  @ApiProperty({ type: [CredentialDto] })
  items!: CredentialDto[];

  @ApiProperty({ nullable: true, type: String })
  nextCursor!: string | null;
}
