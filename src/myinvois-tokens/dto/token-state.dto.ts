import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { PageQueryDto } from '../../common/pagination';

export const TOKEN_STATES = ['fresh', 'due', 'refreshing', 'failing', 'expired'] as const;
export type TokenState = (typeof TOKEN_STATES)[number];

export class ListTokensQuery extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsUUID('all', { message: 'tenantId must be a UUID' })
  @IsOptional()
  tenantId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsUUID('all', { message: 'credentialId must be a UUID' })
  @IsOptional()
  credentialId?: string;

  @ApiPropertyOptional({ enum: TOKEN_STATES })
  @IsIn(TOKEN_STATES, { message: `state must be one of: ${TOKEN_STATES.join(', ')}` })
  @IsOptional()
  state?: TokenState;
}

/** A token key as admins see it: its schedule and health, never the token. */
export class TokenStateDto {
  @ApiProperty({ format: 'uuid' })
  credentialId!: string;

  @ApiProperty({ nullable: true, type: String, format: 'uuid', description: 'The tenant the key serves (null once it left the key)' })
  tenantId!: string | null;

  @ApiProperty({ nullable: true, type: String })
  onBehalfOf!: string | null;

  @ApiProperty()
  scope!: string;

  @ApiProperty({ enum: TOKEN_STATES, description: 'refreshing: leased for a login now; failing: the last attempts failed; expired: no usable token' })
  state!: TokenState;

  @ApiProperty({ nullable: true, type: String })
  tokenFingerprint!: string | null;

  @ApiProperty({ nullable: true, type: String, format: 'date-time' })
  expiresAt!: string | null;

  @ApiProperty({ nullable: true, type: String, format: 'date-time' })
  acquiredAt!: string | null;

  @ApiProperty({ nullable: true, type: String, format: 'date-time' })
  refreshDueAt!: string | null;

  @ApiProperty({ nullable: true, type: String, format: 'date-time' })
  lastUsedAt!: string | null;

  @ApiProperty({ type: 'integer', description: 'Failed renewals in a row' })
  failures!: number;

  @ApiProperty({ nullable: true, type: String })
  lastErrorCode!: string | null;

  @ApiProperty({ nullable: true, type: String, description: 'How the last failure was classified (transient, request_error, not_authorised, rate_limited)' })
  lastErrorClassification!: string | null;

  @ApiProperty({ nullable: true, type: String, description: "MyInvois's correlationId of the last failure" })
  lastErrorCorrelationId!: string | null;

  @ApiProperty({ nullable: true, type: String, format: 'date-time' })
  nextAttemptAt!: string | null;

  @ApiProperty({ nullable: true, type: String, description: 'The replica holding the lease, while refreshing' })
  leaseOwner!: string | null;
}

export class TokenStatePageDto {
  @ApiProperty({ type: [TokenStateDto] })
  items!: TokenStateDto[];

  @ApiProperty({ nullable: true, type: String })
  nextCursor!: string | null;
}
