import { IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { IsPostgresUrl } from './is-postgres-url';
import { CrossChecked, setTogether, ToBoolean, ToInteger } from './environment-validation';

export const NODE_ENVS = ['development', 'production', 'test'] as const;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * Every environment variable the broker reads, named exactly as in the environment.
 * README.md documents each one; keep the two in step. Validation runs bottom-up and stops at
 * the first failure of each variable, so the type check sits lowest.
 */
export class AppEnvironment implements CrossChecked {
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

  // --- callers of the broker (src/auth) ---

  @MinLength(1)
  @IsString()
  AUTH_ISSUER = 'myinvois-broker';

  @MinLength(1)
  @IsString()
  AUTH_AUDIENCE = 'myinvois-broker';

  @Max(86_400)
  @Min(60)
  @IsInt()
  @ToInteger()
  AUTH_TOKEN_TTL_SECONDS = 900;

  /** A P-256 private key as PKCS#8 PEM or as a JWK (JSON). */
  @IsString()
  @IsOptional()
  AUTH_SIGNING_KEY?: string;

  @IsString()
  @IsOptional()
  AUTH_EXTERNAL_ISSUER?: string;

  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  @IsOptional()
  AUTH_EXTERNAL_JWKS_URL?: string;

  @IsString()
  @IsOptional()
  AUTH_EXTERNAL_AUDIENCE?: string;

  @MinLength(1)
  @IsString()
  AUTH_EXTERNAL_PRINCIPAL_CLAIM = 'sub';

  @Max(3600)
  @Min(0)
  @IsInt()
  @ToInteger()
  AUTH_PRINCIPAL_CACHE_SECONDS = 30;

  @Max(1000)
  @Min(1)
  @IsInt()
  @ToInteger()
  AUTH_LOGIN_SLOWDOWN_AFTER = 5;

  @Max(1000)
  @Min(1)
  @IsInt()
  @ToInteger()
  AUTH_LOGIN_MAX_FAILURES = 10;

  @Max(86_400)
  @Min(1)
  @IsInt()
  @ToInteger()
  AUTH_LOGIN_LOCKOUT_SECONDS = 300;

  @Matches(/^[\w.:@-]+$/, { message: 'BOOTSTRAP_ADMIN_CLIENT_ID may hold letters, digits and . _ : @ - only' })
  @MaxLength(128)
  @MinLength(3)
  @IsString()
  @IsOptional()
  BOOTSTRAP_ADMIN_CLIENT_ID?: string;

  @MaxLength(256)
  @MinLength(32, { message: 'BOOTSTRAP_ADMIN_CLIENT_SECRET must be at least 32 characters' })
  @IsString()
  @IsOptional()
  BOOTSTRAP_ADMIN_CLIENT_SECRET?: string;

  crossCheck(): string[] {
    return [
      ...setTogether({ BOOTSTRAP_ADMIN_CLIENT_ID: this.BOOTSTRAP_ADMIN_CLIENT_ID, BOOTSTRAP_ADMIN_CLIENT_SECRET: this.BOOTSTRAP_ADMIN_CLIENT_SECRET }),
      ...setTogether({
        AUTH_EXTERNAL_ISSUER: this.AUTH_EXTERNAL_ISSUER,
        AUTH_EXTERNAL_JWKS_URL: this.AUTH_EXTERNAL_JWKS_URL,
        AUTH_EXTERNAL_AUDIENCE: this.AUTH_EXTERNAL_AUDIENCE,
      }),
    ];
  }
}
