import { IsBoolean, IsIn, IsInt, IsNumber, IsOptional, IsString, IsUrl, Matches, Max, MaxLength, Min, MinLength, ValidateBy } from 'class-validator';
import { isPlainText } from '../common/formats';
import { IsPostgresUrl } from './is-postgres-url';
import { IsIssuer } from './issuer-url';
import { CrossChecked, setTogether, ToBoolean, ToInteger, ToNumber } from './environment-validation';
import { Pkcs11Environment } from './pkcs11-environment';
import { IsTrustProxy, ToTrustProxy } from './trust-proxy';
import type { TrustProxy } from './trust-proxy';
import { KEY_RING_KINDS, vaultKeyProblems } from './vault-keys';
import type { KeyRingKind } from './vault-keys';

export const NODE_ENVS = ['development', 'production', 'test'] as const;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * Every environment variable the broker reads, named exactly as in the environment.
 * README.md documents each one; keep the two in step. Validation runs bottom-up and stops at
 * the first failure of each variable, so the type check sits lowest. The PKCS#11 device
 * variables are declared in Pkcs11Environment, which `npm run vault:create-key` reads alone.
 */
export class AppEnvironment extends Pkcs11Environment implements CrossChecked {
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

  /** `true` trusts every hop (the address is whatever the client claims); a list trusts only those proxies. */
  @IsTrustProxy()
  @ToTrustProxy()
  TRUST_PROXY: TrustProxy = false;

  @Max(300_000)
  @Min(0)
  @IsInt()
  @ToInteger()
  SHUTDOWN_GRACE_MS = 10_000;

  /** Serve the operator console at /console (static files; every call it makes is an admin API call). */
  @IsBoolean()
  @ToBoolean()
  CONSOLE_ENABLED = true;

  @IsPostgresUrl()
  @IsOptional()
  DATABASE_URL?: string;

  @Max(500)
  @Min(1)
  @IsInt()
  @ToInteger()
  DATABASE_POOL_SIZE = 10;

  /**
   * While PostgreSQL cannot be reached, how long past their freshness principals, grants, tenants
   * and credentials are still read from memory, so that repeat hand-outs keep working.
   */
  @Max(3600)
  @Min(0)
  @IsInt()
  @ToInteger()
  STALE_IF_ERROR_SECONDS = 60;

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

  /** The tokens' `iss`; as an https URL (the broker's public origin) also the issuer of its discovery metadata. */
  @IsIssuer()
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

  /** Failed logins from one caller address, whatever client IDs it tries, before it is refused. */
  @Max(100_000)
  @Min(1)
  @IsInt()
  @ToInteger()
  AUTH_LOGIN_ADDRESS_MAX_FAILURES = 30;

  @Matches(/^[\w.:@-]+$/, { message: 'BOOTSTRAP_ADMIN_CLIENT_ID may hold letters, digits and . _ : @ - only' })
  @MaxLength(128)
  @MinLength(3)
  @IsString()
  @IsOptional()
  BOOTSTRAP_ADMIN_CLIENT_ID?: string;

  // The token endpoint refuses control characters in a secret, so one here could never log in.
  @ValidateBy({
    name: 'isPlainText',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && isPlainText(value),
      defaultMessage: () => 'BOOTSTRAP_ADMIN_CLIENT_SECRET must not contain control characters',
    },
  })
  @MaxLength(256)
  @MinLength(32, { message: 'BOOTSTRAP_ADMIN_CLIENT_SECRET must be at least 32 characters' })
  @IsString()
  @IsOptional()
  BOOTSTRAP_ADMIN_CLIENT_SECRET?: string;

  // --- the audit log (src/audit) ---

  /** Refuse to hand out tokens when their audit event cannot be written. */
  @IsBoolean()
  @ToBoolean()
  AUDIT_FAIL_CLOSED = true;

  /** Base64 of at least 32 random bytes; names tokens in the audit log by an HMAC under it. */
  @Matches(/^[A-Za-z0-9+/_-]{43,}={0,2}$/, { message: 'AUDIT_FINGERPRINT_KEY must be base64 of at least 32 bytes' })
  @IsString()
  @IsOptional()
  AUDIT_FINGERPRINT_KEY?: string;

  @Max(5000)
  @Min(1)
  @IsInt()
  @ToInteger()
  AUDIT_BATCH_MAX = 500;

  /** How long an audit write may wait for the chain lock before it counts as failed. */
  @Max(60_000)
  @Min(100)
  @IsInt()
  @ToInteger()
  AUDIT_WRITE_TIMEOUT_MS = 5000;

  @Max(1_000_000)
  @Min(1)
  @IsInt()
  @ToInteger()
  AUDIT_QUEUE_MAX = 20_000;

  /** Unset: keep every event. Set: a daily purge removes events older than this. */
  @Max(36_500)
  @Min(1)
  @IsInt()
  @ToInteger()
  @IsOptional()
  AUDIT_RETENTION_DAYS?: number;

  // --- the credential vault (src/vault) ---

  /** Where the master keys are: `local` (VAULT_KEYS) or `pkcs11` (a token; VAULT_KEYS may stay beside it while moving to it). */
  @IsIn(KEY_RING_KINDS)
  VAULT_KEY_RING: KeyRingKind = 'local';

  /** `v1:<base64 32 bytes>,v2:...`: master keys that wrap the per-credential data keys. */
  @IsString()
  @IsOptional()
  VAULT_KEYS?: string;

  /** `v1:<key label>,v2:...`: master keys in the PKCS#11 token, by version (VAULT_KEY_RING=pkcs11). */
  @IsString()
  @IsOptional()
  VAULT_PKCS11_KEYS?: string;

  /** Which version wraps new data keys; may be omitted with a single key. */
  @Matches(/^[A-Za-z0-9_-]{1,32}$/, { message: 'VAULT_ACTIVE_KEY must be a key version of letters, digits, _ or -' })
  @IsString()
  @IsOptional()
  VAULT_ACTIVE_KEY?: string;

  /** How long an unwrapped data key may stay in memory, so that a device sees a few calls a minute (0: not kept). */
  @Max(3600)
  @Min(0)
  @IsInt()
  @ToInteger()
  VAULT_DATA_KEY_CACHE_SECONDS = 300;

  /** Credentials whose secrets expire within this many days are flagged `expiresSoon`. */
  @Max(365)
  @Min(1)
  @IsInt()
  @ToInteger()
  CREDENTIAL_EXPIRY_WARNING_DAYS = 30;

  // --- MyInvois and the tokens (src/myinvois, src/myinvois-tokens) ---

  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true }, { message: 'MYINVOIS_SANDBOX_URL must be an http(s) URL' })
  MYINVOIS_SANDBOX_URL = 'https://preprod-api.myinvois.hasil.gov.my';

  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true }, { message: 'MYINVOIS_PRODUCTION_URL must be an http(s) URL' })
  MYINVOIS_PRODUCTION_URL = 'https://api.myinvois.hasil.gov.my';

  @Max(60_000)
  @Min(100)
  @IsInt()
  @ToInteger()
  MYINVOIS_CONNECT_TIMEOUT_MS = 3000;

  /** The whole login, from connecting to the last byte of the answer. */
  @Max(120_000)
  @Min(200)
  @IsInt()
  @ToInteger()
  MYINVOIS_TIMEOUT_MS = 10_000;

  /** How long a request that needs a login may wait for a slot of the login budget. */
  @Max(60_000)
  @Min(0)
  @IsInt()
  @ToInteger()
  LOGIN_WAIT_MAX_MS = 5000;

  /** Logins of each minute that background refreshes leave to requests that are waiting. */
  @Max(100)
  @Min(0)
  @IsInt()
  @ToInteger()
  LOGIN_BUDGET_ON_DEMAND_RESERVE = 1;

  /**
   * Logins a minute for `sandbox` credentials created without `loginRatePerMinute`. Since
   * 28 April 2025 the sandbox has had lower limits than production's 12, and LHDN does not
   * publish them: half of production's keeps a sandbox client ID clear of its 429s.
   */
  @Max(1000)
  @Min(1)
  @IsInt()
  @ToInteger()
  MYINVOIS_SANDBOX_LOGIN_RATE_PER_MINUTE = 6;

  /** After MyInvois fails (an outage, a maintenance page) or refuses the broker's request: the first wait, doubling per failure ... */
  @Max(3_600_000)
  @Min(100)
  @IsInt()
  @ToInteger()
  LOGIN_BACKOFF_BASE_MS = 2000;

  /** ... up to this, so that MyInvois coming back is noticed within about this long. */
  @Max(3_600_000)
  @Min(500)
  @IsInt()
  @ToInteger()
  LOGIN_BACKOFF_MAX_MS = 60_000;

  /** Default minimum lifetime left on a token handed out (callers may ask for more or less). */
  @Max(3540)
  @Min(0)
  @IsInt()
  @ToInteger()
  TOKEN_MIN_TTL_SECONDS = 60;

  @Max(3600)
  @Min(0)
  @IsInt()
  @ToInteger()
  TOKEN_INVALIDATE_COOLDOWN_SECONDS = 30;

  /** How long one replica may hold a token key while it logs in, before another may take over. */
  @Max(600)
  @Min(5)
  @IsInt()
  @ToInteger()
  TOKEN_LEASE_SECONDS = 30;

  /** How often each broker process says it is alive (the row its leases name). */
  @Max(60_000)
  @Min(100)
  @IsInt()
  @ToInteger()
  REPLICA_HEARTBEAT_INTERVAL_MS = 1000;

  /** A process not heard from for this long is dead: its leases are free at once, whatever TOKEN_LEASE_SECONDS says. */
  @Max(600)
  @Min(1)
  @IsInt()
  @ToInteger()
  REPLICA_DEAD_AFTER_SECONDS = 3;

  /** How long a replica reuses what it read about a tenant or credential (changes also arrive by NOTIFY). */
  @Max(3600)
  @Min(0)
  @IsInt()
  @ToInteger()
  STATE_CACHE_SECONDS = 30;

  // --- the refresher (src/refresher) ---

  @IsBoolean()
  @ToBoolean()
  REFRESH_ENABLED = true;

  @Max(60_000)
  @Min(100)
  @IsInt()
  @ToInteger()
  REFRESH_INTERVAL_MS = 1000;

  /** Only tokens used within this window are refreshed: an unused tenant costs no logins. */
  @Max(30 * 86_400)
  @Min(10)
  @IsInt()
  @ToInteger()
  REFRESH_ACTIVE_WINDOW_SECONDS = 7200;

  /** A token is due when this share of its lifetime is left (plus jitter). */
  @Max(0.9)
  @Min(0.05)
  @ToNumber()
  @IsNumber({}, { message: 'REFRESH_THRESHOLD_RATIO must be a number between 0.05 and 0.9' })
  REFRESH_THRESHOLD_RATIO = 0.25;

  /** Up to this share of the lifetime earlier, at random, so tokens acquired together spread out. */
  @Max(0.5)
  @Min(0)
  @ToNumber()
  @IsNumber({}, { message: 'REFRESH_JITTER_RATIO must be a number between 0 and 0.5' })
  REFRESH_JITTER_RATIO = 0.05;

  @Max(1000)
  @Min(1)
  @IsInt()
  @ToInteger()
  REFRESH_BATCH_SIZE = 10;

  @Max(3_600_000)
  @Min(100)
  @IsInt()
  @ToInteger()
  REFRESH_BACKOFF_BASE_MS = 5000;

  @Max(86_400_000)
  @Min(1000)
  @IsInt()
  @ToInteger()
  REFRESH_BACKOFF_MAX_MS = 300_000;

  // --- audit checkpoints and webhooks (src/audit, src/notifications) ---

  /** How often one replica signs the audit chain's head (minutes; fractions for tests). */
  @Max(10_080)
  @Min(0.01)
  @IsNumber()
  @ToNumber()
  AUDIT_CHECKPOINT_MINUTES = 60;

  /** Plain http webhook URLs: allowed outside production unless set to false, refused in production unless true. */
  @IsBoolean()
  @ToBoolean()
  @IsOptional()
  WEBHOOK_ALLOW_HTTP?: boolean;

  /** Comma-separated host names or addresses a webhook may reach although they are loopback or link-local. */
  @MaxLength(2000)
  @IsString()
  @IsOptional()
  WEBHOOK_ALLOWED_HOSTS?: string;

  /** One delivery attempt's whole time: connect, send, answer. */
  @Max(60_000)
  @Min(100)
  @IsInt()
  @ToInteger()
  WEBHOOK_TIMEOUT_MS = 10_000;

  /** How long a delivery is retried before it is `failed`. */
  @Max(720)
  @Min(0.001)
  @IsNumber()
  @ToNumber()
  WEBHOOK_RETRY_HOURS = 24;

  @Max(3_600_000)
  @Min(10)
  @IsInt()
  @ToInteger()
  WEBHOOK_RETRY_BASE_MS = 10_000;

  @Max(86_400_000)
  @Min(10)
  @IsInt()
  @ToInteger()
  WEBHOOK_RETRY_MAX_MS = 3_600_000;

  /** How often each replica looks for deliveries that are due. */
  @Max(60_000)
  @Min(20)
  @IsInt()
  @ToInteger()
  WEBHOOK_POLL_MS = 1000;

  /** After a secret rotation, how long the old secret signs beside the new one. */
  @Max(720)
  @Min(0)
  @IsNumber()
  @ToNumber()
  WEBHOOK_SECRET_GRACE_HOURS = 24;

  /** How often one replica compares each client ID's budget forecast with the last one it notified. */
  @Max(3600)
  @Min(1)
  @IsInt()
  @ToInteger()
  BUDGET_RISK_CHECK_SECONDS = 60;

  override crossCheck(invalid: ReadonlySet<string>): string[] {
    return [
      ...this.productionProblems(invalid),
      ...this.vaultProblems(invalid),
      ...this.backoffProblems(invalid),
      ...this.heartbeatProblems(invalid),
      ...setTogether({ BOOTSTRAP_ADMIN_CLIENT_ID: this.BOOTSTRAP_ADMIN_CLIENT_ID, BOOTSTRAP_ADMIN_CLIENT_SECRET: this.BOOTSTRAP_ADMIN_CLIENT_SECRET }),
      ...setTogether({
        AUTH_EXTERNAL_ISSUER: this.AUTH_EXTERNAL_ISSUER,
        AUTH_EXTERNAL_JWKS_URL: this.AUTH_EXTERNAL_JWKS_URL,
        AUTH_EXTERNAL_AUDIENCE: this.AUTH_EXTERNAL_AUDIENCE,
      }),
    ];
  }

  /** What production refuses to run without; development generates or embeds these. */
  private productionProblems(invalid: ReadonlySet<string>): string[] {
    if (this.NODE_ENV !== 'production') return [];
    const required: Array<[keyof AppEnvironment, string]> = [
      ['DATABASE_URL', 'its own PostgreSQL (the embedded database is for development only)'],
      ['VAULT_KEYS', 'master keys for the credential vault (or VAULT_KEY_RING=pkcs11)'],
      ['AUDIT_FINGERPRINT_KEY', 'it, the same on every replica, to name tokens in the audit log'],
    ];
    // The PKCS#11 ring holds its own master keys; VAULT_KEYS beside it is only for moving to it.
    if (this.VAULT_KEY_RING === 'pkcs11') required.splice(1, 1);
    return required.filter(([name]) => this[name] === undefined && !invalid.has(name)).map(([name, what]) => `${name} is not set: production needs ${what}`);
  }

  /** A live process must beat more than once within the time after which it counts as dead. */
  private heartbeatProblems(invalid: ReadonlySet<string>): string[] {
    if (invalid.has('REPLICA_HEARTBEAT_INTERVAL_MS') || invalid.has('REPLICA_DEAD_AFTER_SECONDS')) return [];
    if (this.REPLICA_DEAD_AFTER_SECONDS * 1000 > this.REPLICA_HEARTBEAT_INTERVAL_MS) return [];
    return [
      `REPLICA_DEAD_AFTER_SECONDS (${this.REPLICA_DEAD_AFTER_SECONDS} s) must exceed REPLICA_HEARTBEAT_INTERVAL_MS (${this.REPLICA_HEARTBEAT_INTERVAL_MS} ms), or live replicas would count as dead`,
    ];
  }

  private backoffProblems(invalid: ReadonlySet<string>): string[] {
    const problems: string[] = [];
    if (!invalid.has('LOGIN_BACKOFF_BASE_MS') && !invalid.has('LOGIN_BACKOFF_MAX_MS') && this.LOGIN_BACKOFF_BASE_MS > this.LOGIN_BACKOFF_MAX_MS) {
      problems.push(`LOGIN_BACKOFF_BASE_MS (${this.LOGIN_BACKOFF_BASE_MS}) must not exceed LOGIN_BACKOFF_MAX_MS (${this.LOGIN_BACKOFF_MAX_MS})`);
    }
    if (!invalid.has('REFRESH_BACKOFF_BASE_MS') && !invalid.has('REFRESH_BACKOFF_MAX_MS') && this.REFRESH_BACKOFF_BASE_MS > this.REFRESH_BACKOFF_MAX_MS) {
      problems.push(`REFRESH_BACKOFF_BASE_MS (${this.REFRESH_BACKOFF_BASE_MS}) must not exceed REFRESH_BACKOFF_MAX_MS (${this.REFRESH_BACKOFF_MAX_MS})`);
    }
    return problems;
  }

  private vaultProblems(invalid: ReadonlySet<string>): string[] {
    if (['VAULT_KEY_RING', 'VAULT_KEYS', 'VAULT_PKCS11_KEYS', 'VAULT_ACTIVE_KEY'].some((name) => invalid.has(name))) return [];
    return [
      ...vaultKeyProblems({ ring: this.VAULT_KEY_RING, localKeys: this.VAULT_KEYS, pkcs11Keys: this.VAULT_PKCS11_KEYS, activeKey: this.VAULT_ACTIVE_KEY }),
      ...(this.VAULT_KEY_RING === 'pkcs11' ? this.pkcs11DeviceProblems(invalid) : []),
    ];
  }
}
