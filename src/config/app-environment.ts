import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Max, Min, MinLength } from 'class-validator';
import { IsPostgresUrl } from './is-postgres-url';
import { ToBoolean, ToInteger } from './environment-validation';

export const NODE_ENVS = ['development', 'production', 'test'] as const;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * Every environment variable the broker reads, named exactly as in the environment.
 * README.md documents each one; keep the two in step. Validation runs bottom-up and stops at
 * the first failure of each variable, so the type check sits lowest.
 */
export class AppEnvironment {
  @IsIn(NODE_ENVS)
  NODE_ENV: (typeof NODE_ENVS)[number] = 'development';

  @MinLength(1)
  @IsString()
  HOST = '0.0.0.0';

  @Max(65535)
  @Min(1)
  @IsInt()
  @ToInteger()
  PORT = 3000;

  @IsIn(LOG_LEVELS)
  LOG_LEVEL: (typeof LOG_LEVELS)[number] = 'info';

  @Max(10 * 1024 * 1024)
  @Min(1024)
  @IsInt()
  @ToInteger()
  HTTP_BODY_LIMIT_BYTES = 64 * 1024;

  @IsBoolean()
  @ToBoolean()
  TRUST_PROXY = false;

  @Max(300_000)
  @Min(0)
  @IsInt()
  @ToInteger()
  SHUTDOWN_GRACE_MS = 10_000;

  @IsPostgresUrl()
  @IsOptional()
  DATABASE_URL?: string;

  @Max(500)
  @Min(1)
  @IsInt()
  @ToInteger()
  DATABASE_POOL_SIZE = 10;

  @IsBoolean()
  @ToBoolean()
  MIGRATIONS_RUN = true;

  @MinLength(1)
  @IsString()
  DATA_DIR = '.data';

  @Max(65535)
  @Min(1)
  @IsInt()
  @ToInteger()
  EMBEDDED_DATABASE_PORT = 54329;
}
