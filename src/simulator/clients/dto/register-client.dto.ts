import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { IsBrn, IsTin } from '../../../tenants/dto/tin.decorators';
import { CLIENT_KINDS, TOKEN_SHAPES } from '../simulated-client';
import type { ClientKind, TokenShape } from '../simulated-client';
import { IsNotPlaceholder, IsOnBehalfOfList, OnlyForIntermediaries, Required } from './client-validators';

export const MAX_RATE_LIMIT = 1_000_000;
export const MAX_TOKEN_TTL_SECONDS = 86_400;

/**
 * The body of `POST /_sim/clients`, and one entry of the clients file.
 * Validation runs bottom-up and stops at the first failure per field (see common/validation.ts).
 */
export class RegisterClientDto {
  // Not trimmed: the token endpoint compares client IDs exactly, as MyInvois does.
  @IsNotPlaceholder()
  @MaxLength(200)
  @IsString()
  @Required()
  clientId!: string;

  @IsNotPlaceholder({ each: true, message: 'secrets must not be placeholders such as 0, null or YOUR_CLIENT_SECRET' })
  @IsNotEmpty({ each: true, message: 'secrets must not be empty strings' })
  @IsString({ each: true, message: 'secrets must be strings' })
  @ArrayUnique({ message: 'secrets must differ from each other' })
  @ArrayMaxSize(2, { message: 'secrets holds one or two secrets' })
  @ArrayMinSize(1, { message: 'secrets holds one or two secrets' })
  @IsArray()
  @Required()
  secrets!: string[];

  @IsIn(CLIENT_KINDS, { message: `kind must be one of: ${CLIENT_KINDS.join(', ')}` })
  @Required()
  kind!: ClientKind;

  @IsTin()
  @Required()
  tin!: string;

  @IsBrn()
  @IsOptional()
  brn?: string;

  @OnlyForIntermediaries()
  @IsOnBehalfOfList()
  @IsOptional()
  allowedOnBehalfOf?: string[];

  @IsBoolean()
  @IsOptional()
  blocked?: boolean;

  @Max(MAX_RATE_LIMIT)
  @Min(1)
  @IsInt()
  @IsOptional()
  rateLimitPerMinute?: number;

  @Max(MAX_TOKEN_TTL_SECONDS)
  @Min(1)
  @IsInt()
  @IsOptional()
  tokenTtlSeconds?: number;

  @IsIn(TOKEN_SHAPES, { message: `tokenShape must be one of: ${TOKEN_SHAPES.join(', ')}` })
  @IsOptional()
  tokenShape?: TokenShape;
}
