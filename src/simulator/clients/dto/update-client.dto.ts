import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsBoolean, IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Max, Min } from 'class-validator';
import { TOKEN_SHAPES } from '../simulated-client';
import type { TokenShape } from '../simulated-client';
import { IsNotPlaceholder, IsOnBehalfOfList, IsOptionalButNotNull } from './client-validators';
import { MAX_RATE_LIMIT, MAX_TOKEN_TTL_SECONDS } from './register-client.dto';

/** `PATCH /_sim/clients/:clientId`. `null` for a limit or TTL goes back to the simulator's default. */
export class UpdateClientDto {
  @IsNotPlaceholder({ each: true, message: 'secrets must not be placeholders such as 0, null or YOUR_CLIENT_SECRET' })
  @IsNotEmpty({ each: true, message: 'secrets must not be empty strings' })
  @IsString({ each: true, message: 'secrets must be strings' })
  @ArrayUnique({ message: 'secrets must differ from each other' })
  @ArrayMaxSize(2, { message: 'secrets holds one or two secrets' })
  @ArrayMinSize(1, { message: 'secrets holds one or two secrets' })
  @IsArray()
  @IsOptionalButNotNull()
  secrets?: string[];

  @IsBoolean()
  @IsOptionalButNotNull()
  blocked?: boolean;

  @IsOnBehalfOfList()
  @IsOptionalButNotNull()
  allowedOnBehalfOf?: string[];

  @Max(MAX_RATE_LIMIT)
  @Min(1)
  @IsInt()
  @IsOptional()
  rateLimitPerMinute?: number | null;

  @Max(MAX_TOKEN_TTL_SECONDS)
  @Min(1)
  @IsInt()
  @IsOptional()
  tokenTtlSeconds?: number | null;

  @IsIn(TOKEN_SHAPES, { message: `tokenShape must be one of: ${TOKEN_SHAPES.join(', ')}` })
  @IsOptionalButNotNull()
  tokenShape?: TokenShape;
}
