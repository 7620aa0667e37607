import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ENVIRONMENTS } from '../../common/environment';
import { CREDENTIAL_KINDS, CREDENTIAL_STATUSES } from '../credential.entity';
import { CredentialBudgetDto } from './credential-budget.dto';

export const UPSTREAM_CLASSIFICATIONS = ['refused', 'request_error', 'rate_limited', 'transient'] as const;

/** The last error MyInvois answered for a credential. */
export class UpstreamErrorDto {
  @ApiProperty({ enum: UPSTREAM_CLASSIFICATIONS, description: 'Its row in the classification table' })
  classification!: string;

  @ApiProperty({
    description: "MyInvois's OAuth error, or what kind of failure it was (timeout, connection, gateway, server_error, bad_response, rate_limited)",
  })
  code!: string;

  @ApiProperty()
  description!: string;

  @ApiProperty({ nullable: true, type: Number, description: 'HTTP status; null for a timeout or a connection failure' })
  status!: number | null;

  @ApiProperty({ nullable: true, type: String, description: "MyInvois's correlationId response header: quote it to LHDN support" })
  correlationId!: string | null;

  @ApiProperty({ format: 'date-time' })
  at!: string;
}

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

  @ApiProperty({
    nullable: true,
    type: UpstreamErrorDto,
    description: 'The last error MyInvois answered, of any kind, with when; kept after MyInvois answers again, cleared when the secrets are replaced',
  })
  lastError!: UpstreamErrorDto | null;

  @ApiProperty({
    description: 'MyInvois has been failing this client ID (outage, maintenance page, refused request) since degradedSince; cleared by the next token',
  })
  degraded!: boolean;

  @ApiProperty({ nullable: true, type: String, format: 'date-time' })
  degradedSince!: string | null;

  @ApiProperty({ description: 'Master key version wrapping this credential’s data key' })
  keyVersion!: string;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;

  @ApiPropertyOptional({ type: CredentialBudgetDto, description: 'The login budget (in GET /v1/credentials and GET /v1/credentials/{id})' })
  budget?: CredentialBudgetDto;
}

export class CredentialPageDto {
  @ApiProperty({ type: [CredentialDto] })
  items!: CredentialDto[];

  @ApiProperty({ nullable: true, type: String })
  nextCursor!: string | null;
}
