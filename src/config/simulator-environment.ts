import { IsIn, IsInt, IsOptional, IsString, IsUrl, Max, Min, MinLength } from 'class-validator';
import { LOG_LEVELS, NODE_ENVS } from './app-environment';
import { ToInteger } from './environment-validation';

/**
 * Every environment variable the MyInvois simulator reads, named exactly as in the environment.
 * Validation runs bottom-up and stops at the first failure of each variable, so the type check
 * sits lowest.
 */
export class SimulatorEnvironment {
  @IsIn(NODE_ENVS)
  NODE_ENV: (typeof NODE_ENVS)[number] = 'development';

  @IsIn(LOG_LEVELS)
  LOG_LEVEL: (typeof LOG_LEVELS)[number] = 'info';

  @MinLength(1)
  @IsString()
  SIMULATOR_HOST = '0.0.0.0';

  @Max(65535)
  @Min(1)
  @IsInt()
  @ToInteger()
  SIMULATOR_PORT = 4010;

  /** `expires_in` of every token, unless a client has its own `tokenTtlSeconds`. */
  @Max(86_400)
  @Min(1)
  @IsInt()
  @ToInteger()
  SIMULATOR_TOKEN_TTL_SECONDS = 3600;

  /** Token requests per client ID in one window (12 a minute in production MyInvois). */
  @Max(1_000_000)
  @Min(1)
  @IsInt()
  @ToInteger()
  SIMULATOR_RATE_LIMIT_PER_MINUTE = 12;

  /** The sliding window's length; tests shorten it to watch a slot free up. */
  @Max(3600)
  @Min(1)
  @IsInt()
  @ToInteger()
  SIMULATOR_RATE_LIMIT_WINDOW_SECONDS = 60;

  /** A JSON array of client definitions (the `POST /_sim/clients` body) registered at start. */
  @MinLength(1)
  @IsString()
  @IsOptional()
  SIMULATOR_CLIENTS_FILE?: string;

  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false }, { message: 'SIMULATOR_ISSUER must be an http(s) URL' })
  @IsString()
  SIMULATOR_ISSUER = 'https://preprod-identity.myinvois.hasil.gov.my';
}
