import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';
import { IsOptionalButNotNull } from '../../common/validators';

/** MyInvois has one scope; '' asks for a token without naming it. */
export const SCOPES = ['InvoicingAPI', ''] as const;

export class TenantTokenRequestDto {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    maximum: 3540,
    example: 300,
    description: 'Least lifetime left on the token handed out (default TOKEN_MIN_TTL_SECONDS, 60)',
  })
  @Max(3540)
  @Min(0)
  @IsInt()
  @IsOptionalButNotNull()
  minTtlSeconds?: number;

  // The default is said in words: generators make a field with `default` required in request bodies.
  @ApiPropertyOptional({ enum: SCOPES, description: 'The scope of the MyInvois token; default InvoicingAPI, empty for none' })
  @IsIn(SCOPES, { message: 'scope must be InvoicingAPI (or empty for no scope)' })
  @IsOptionalButNotNull()
  scope?: (typeof SCOPES)[number];
}

/** OAuth-style names: callers pass it on to MyInvois as it is. */
export class IssuedTokenDto {
  @ApiProperty({ description: 'The MyInvois access token; send it to MyInvois as `Authorization: Bearer <token>`' })
  access_token!: string;

  @ApiProperty({ enum: ['Bearer'] })
  token_type!: 'Bearer';

  @ApiProperty({ type: 'integer', description: 'Seconds of life left' })
  expires_in!: number;

  @ApiProperty({ format: 'date-time' })
  expires_at!: string;

  @ApiProperty({ example: 'InvoicingAPI' })
  scope!: string;
}

export class InvalidateTokenDto {
  @ApiPropertyOptional({
    example: 'eyJhbGciOiJSUzI1NiIs...',
    description: 'The token MyInvois refused; when given, only that token is dropped (not a newer one)',
  })
  @MaxLength(8192)
  @IsString()
  @IsOptionalButNotNull()
  accessToken?: string;

  @ApiPropertyOptional({ enum: SCOPES, description: 'The scope of the token to drop; default InvoicingAPI' })
  @IsIn(SCOPES, { message: 'scope must be InvoicingAPI (or empty for no scope)' })
  @IsOptionalButNotNull()
  scope?: (typeof SCOPES)[number];
}

export class InvalidationDto {
  @ApiProperty({ description: 'Whether the next request will log in again' })
  invalidated!: boolean;

  @ApiProperty({ enum: ['invalidated', 'cooldown', 'not_current'], description: 'cooldown: the token is too new to drop again; not_current: already replaced' })
  result!: string;
}

export class VerifyCredentialDto {
  @ApiPropertyOptional({
    format: 'uuid',
    example: '0d5b7e52-8a3c-4f4e-9a57-6f2d1c9e8b70',
    description: 'Required for an intermediary credential: the tenant to log in on behalf of',
  })
  @IsUUID('all', { message: 'tenantId must be a UUID' })
  @IsOptionalButNotNull()
  tenantId?: string;
}

/** What the token MyInvois issued says about itself, read without trusting it (MyInvois publishes no signing key). */
export class TokenClaimsDto {
  @ApiProperty({ nullable: true, type: String, description: 'TaxpayerTIN (2025 tokens) or TaxTin (2024 tokens)' })
  taxpayerTin!: string | null;

  @ApiProperty({ nullable: true, type: Boolean, description: 'IsIntermediary ("1" or "0")' })
  isIntermediary!: boolean | null;

  @ApiProperty({ nullable: true, type: String, description: 'IntermedTIN: the intermediary acting for the taxpayer' })
  intermediaryTin!: string | null;

  @ApiProperty({ nullable: true, type: String, description: 'IntermedROB (2025 tokens): the intermediary’s business registration number' })
  intermediaryRob!: string | null;

  @ApiProperty({ nullable: true, type: String })
  clientId!: string | null;

  @ApiProperty({ nullable: true, type: String, description: 'iss' })
  issuer!: string | null;

  @ApiProperty({ type: [String], description: 'aud (a string in 2025 tokens, an array in 2024 ones)' })
  audience!: string[];

  @ApiProperty({ type: [String] })
  scopes!: string[];
}

export class CredentialVerificationDto {
  @ApiProperty({ enum: ['valid', 'invalid'] })
  status!: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 2, description: 'Which secret logged in (1 or 2)' })
  secretUsed?: number;

  @ApiPropertyOptional({ nullable: true, type: String, description: "The token's taxpayer TIN claim (unverified)" })
  tinClaim?: string | null;

  @ApiPropertyOptional({ nullable: true, type: String })
  expectedTin?: string | null;

  @ApiPropertyOptional({ nullable: true, type: Boolean })
  tinMatches?: boolean | null;

  @ApiPropertyOptional({ type: 'integer', description: 'Lifetime of the token the verification got' })
  expiresInSeconds?: number;

  @ApiPropertyOptional({ nullable: true, type: String })
  upstreamError?: string | null;

  @ApiPropertyOptional({ nullable: true, type: String })
  upstreamDescription?: string | null;

  @ApiPropertyOptional({ type: TokenClaimsDto })
  claims?: TokenClaimsDto;

  @ApiPropertyOptional({ nullable: true, type: String, description: "MyInvois's correlationId response header of the answer" })
  upstreamCorrelationId?: string | null;
}
