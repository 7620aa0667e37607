import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { SigningKeyInfo } from '../signing-keys';

export class SigningKeyDto implements SigningKeyInfo {
  @ApiProperty({ description: 'The `kid` of the tokens it signs' })
  kid!: string;

  @ApiProperty({ description: 'Signs new tokens (the first key); the others only verify' })
  active!: boolean;

  @ApiProperty({ nullable: true, type: String, format: 'date-time', description: 'Null for a key from AUTH_SIGNING_KEY' })
  createdAt!: string | null;

  @ApiProperty({ nullable: true, type: String, format: 'date-time', description: 'When it leaves the JWKS: once the last token it signed has expired' })
  retiresAt!: string | null;
}

/** A public P-256 key (RFC 7517); never a private part. */
export class JwkDto {
  @ApiProperty({ enum: ['EC'] })
  kty!: string;

  @ApiProperty({ enum: ['P-256'] })
  crv!: string;

  @ApiProperty()
  x!: string;

  @ApiProperty()
  y!: string;

  @ApiProperty()
  kid!: string;

  @ApiProperty({ enum: ['ES256'] })
  alg!: string;

  @ApiProperty({ enum: ['sig'] })
  use!: string;
}

export class JwksDto {
  @ApiProperty({ type: [JwkDto] })
  keys!: JwkDto[];
}

/** RFC 8414 authorization server metadata, for OAuth clients that configure themselves. */
export class AuthorizationServerMetadataDto {
  @ApiProperty({ example: 'https://broker.internal.example', description: 'AUTH_ISSUER when it is a URL, otherwise the URL this document was served from' })
  issuer!: string;

  @ApiProperty({ example: 'https://broker.internal.example/v1/auth/token' })
  token_endpoint!: string;

  @ApiProperty({ example: 'https://broker.internal.example/.well-known/jwks.json' })
  jwks_uri!: string;

  @ApiProperty({ type: [String], example: ['client_credentials'] })
  grant_types_supported!: string[];

  @ApiProperty({ type: [String], example: ['client_secret_basic', 'client_secret_post'] })
  token_endpoint_auth_methods_supported!: string[];

  @ApiProperty({ type: [String], example: [], description: 'None: the broker has no authorization endpoint' })
  response_types_supported!: string[];

  @ApiProperty({ type: [String], example: ['ES256'], description: "Algorithms of the broker's access tokens (JWTs), verified with jwks_uri" })
  access_token_signing_alg_values_supported!: string[];

  @ApiPropertyOptional({ example: 'https://broker.internal.example/docs' })
  service_documentation?: string;
}
