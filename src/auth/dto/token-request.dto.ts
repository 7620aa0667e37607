import { ApiProperty } from '@nestjs/swagger';

/** For the OpenAPI document only: the token endpoint parses its body by RFC 6749 rules. */
export class TokenRequestDto {
  @ApiProperty({ enum: ['client_credentials'] })
  grant_type!: string;

  @ApiProperty({ description: 'Or use HTTP Basic authentication' })
  client_id!: string;

  @ApiProperty({ description: 'Or use HTTP Basic authentication' })
  client_secret!: string;
}

export class AccessTokenDto {
  @ApiProperty({ description: 'An ES256 JWT; send it as `Authorization: Bearer <token>`' })
  access_token!: string;

  @ApiProperty({ enum: ['Bearer'] })
  token_type!: string;

  @ApiProperty({ description: 'Seconds until it expires' })
  expires_in!: number;
}
