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

  @ApiProperty({ description: 'The MyInvois client ID', example: '3fa85f64-5717-4562-b3fc-2c963f66afa6' })
  clientId!: string;

  @ApiProperty({ nullable: true, type: String })
  label!: string | null;

  @ApiProperty({ type: 'integer', minimum: 1, maximum: 2, description: 'How many secrets are stored (1 or 2)' })
  secretsSet!: number;

  @ApiProperty({ nullable: true, type: String, format: 'date-time' })
  secretExpiresAt!: string | null;

  @ApiProperty({ description: 'The secrets expire within CREDENTIAL_EXPIRY_WARNING_DAYS (or already have)' })
  expiresSoon!: boolean;

  @ApiProperty({ type: 'integer', description: "MyInvois's login limit for this client ID" })
  loginRatePerMinute!: number;

  @ApiProperty({ enum: CREDENTIAL_STATUSES })
  status!: string;

  @ApiProperty({ nullable: true, type: String, description: 'The upstream error code when invalid' })
  lastErrorCode!: string | null;

  @ApiProperty({ nullable: true, type: String })
  lastErrorDescription!: string | null;

  @ApiProperty({ description: 'Master key version wrapping this credential’s data key' })
  keyVersion!: string;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;
}

export class CredentialPageDto {
  @ApiProperty({ type: [CredentialDto] })
  items!: CredentialDto[];

  @ApiProperty({ nullable: true, type: String })
  nextCursor!: string | null;
}
