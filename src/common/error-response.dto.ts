import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';

export class FieldProblemDto {
  @ApiProperty({ example: 'tin', description: 'Path of the field, such as `items[0].name`, or `body` for the body as a whole' })
  field!: string;

  @ApiProperty({ example: 'tin of a non-individual ends in 0, e.g. C1234567890' })
  message!: string;
}

/**
 * What the exception filter answers for every error outside the token endpoint: the same four
 * fields always, and the details some errors add (each named by the codes that carry it).
 */
@ApiSchema({ name: 'Error', description: 'Every error of the API (outside `POST /v1/auth/token`) has this shape.' })
export class ErrorResponseDto {
  @ApiProperty({ type: 'integer', example: 400, description: 'The HTTP status, repeated' })
  statusCode!: number;

  @ApiProperty({ example: 'validation_failed', description: 'Stable and machine-readable; each operation lists the codes it may answer per status' })
  code!: string;

  @ApiProperty({ example: 'tin of a non-individual ends in 0, e.g. C1234567890', description: 'For people; never holds a secret' })
  message!: string;

  @ApiPropertyOptional({ example: '0b6f5b0e-7d7c-4d43-9d43-3d6f0a3f8d11', description: 'The X-Request-Id of the request, also in its log lines' })
  requestId?: string;

  @ApiPropertyOptional({ example: 'tin', description: 'validation_failed: the (first) field at fault' })
  field?: string;

  @ApiPropertyOptional({ type: [FieldProblemDto], description: 'validation_failed, audit_invalid_range, principal_unknown_tenant: every field at fault' })
  errors?: FieldProblemDto[];

  @ApiPropertyOptional({ type: [String], example: ['application/json'], description: 'unsupported_media_type: the content types the operation reads' })
  acceptedContentTypes?: string[];

  @ApiPropertyOptional({ type: 'integer', example: 32, description: 'body_nested_too_deep: the deepest nesting of arrays and objects a body may have' })
  maxDepth?: number;

  @ApiPropertyOptional({ format: 'uuid', nullable: true, type: String, description: 'tenant_tin_taken: the tenant that has the TIN' })
  existingTenantId?: string | null;

  @ApiPropertyOptional({ format: 'uuid', nullable: true, type: String, description: 'credential_client_id_taken: the credential that has the client ID' })
  existingCredentialId?: string | null;

  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'string', format: 'uuid' },
    description: 'credential_in_use, tenant_credential_taken: the tenants concerned',
  })
  tenantIds?: string[];

  @ApiPropertyOptional({ type: 'array', items: { type: 'string', format: 'uuid' }, description: 'principal_unknown_tenant: the grants that name no tenant' })
  unknownTenantIds?: string[];

  @ApiPropertyOptional({ format: 'uuid', description: 'credential_invalid, credential_integrity_error: the credential concerned' })
  credentialId?: string;

  @ApiPropertyOptional({ example: 'clientSecret', description: 'credential_integrity_error: the part that failed its check' })
  part?: string;

  @ApiPropertyOptional({ example: 'v2', description: 'vault_rewrap_refused: the active master key version of the replica that refused' })
  activeVersion?: string;

  @ApiPropertyOptional({ type: [String], example: ['v3'], description: 'vault_rewrap_refused: newer versions already wrapping data keys' })
  newerVersions?: string[];

  @ApiPropertyOptional({ type: 'integer', example: 3600, description: 'token_lifetime_too_short: how long a fresh MyInvois token lives' })
  lifetimeSeconds?: number;

  @ApiPropertyOptional({
    nullable: true,
    type: String,
    example: 'invalid_client',
    description: "credential_invalid, tenant_not_authorised_upstream, upstream_request_refused: MyInvois's OAuth error code",
  })
  upstreamError?: string | null;

  @ApiPropertyOptional({ nullable: true, type: String, example: 'User blocked', description: "MyInvois's error_description, with upstreamError" })
  upstreamDescription?: string | null;

  @ApiPropertyOptional({
    nullable: true,
    type: String,
    example: 'JHDSJ8882POY72SG-2828',
    description: 'The correlationId MyInvois gave its answer, when it gave one: LHDN support asks for it',
  })
  upstreamCorrelationId?: string | null;

  @ApiPropertyOptional({
    example: 'transient',
    description: "upstream_unavailable, upstream_request_refused, tenant_not_authorised_upstream: how the broker classified MyInvois's answer",
  })
  classification?: string;

  @ApiPropertyOptional({
    nullable: true,
    type: 'integer',
    example: 403,
    description: 'With classification: the HTTP status MyInvois answered, when it answered',
  })
  upstreamStatus?: number | null;

  @ApiPropertyOptional({ example: 'C1234567890', description: 'tenant_not_authorised_upstream: the onbehalfof the intermediary was refused for' })
  onBehalfOf?: string;

  @ApiPropertyOptional({
    example: 'exhausted',
    description: 'login_budget_exhausted: `exhausted` or `paused` (after a 429); upstream_unavailable: what failed',
  })
  reason?: string;
}
