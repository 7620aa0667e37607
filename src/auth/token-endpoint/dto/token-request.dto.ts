import { ApiProperty } from '@nestjs/swagger';

/** For the OpenAPI document only: the token endpoint parses its body by RFC 6749 rules. */
export class TokenRequestDto {
  @ApiProperty({ enum: ['client_credentials'] })
  grant_type!: string;

  @ApiProperty({
    required: false,
    example: '7d8c0b5e-2f4a-4c1e-9b6d-3a2f1e0c9d8b',
    description: "The principal's clientId; or send it with HTTP Basic authentication",
  })
  client_id!: string;

  @ApiProperty({ required: false, example: '<secret>', description: "The principal's secret; or send it with HTTP Basic authentication" })
  client_secret!: string;
}

export class AccessTokenDto {
  @ApiProperty({ description: 'An ES256 JWT; send it as `Authorization: Bearer <token>`' })
  access_token!: string;

  @ApiProperty({ enum: ['Bearer'] })
  token_type!: string;

  @ApiProperty({ type: 'integer', example: 900, description: 'Seconds until it expires (AUTH_TOKEN_TTL_SECONDS)' })
  expires_in!: number;
}
