import { resolve } from 'node:path';
import { AppEnvironment } from './app-environment';
import { validateEnvironment } from './environment-validation';
import type { Pkcs11DeviceConfig } from './pkcs11-environment';
import { isIssuerUrl } from './issuer-url';
import type { TrustProxy } from './trust-proxy';
import { KeyRingKind, parsePkcs11Keys } from './vault-keys';

/** The broker's configuration: read once from the environment, validated, then injected. */
export class AppConfig {
  readonly nodeEnv: AppEnvironment['NODE_ENV'];
  readonly isProduction: boolean;
  readonly logLevel: AppEnvironment['LOG_LEVEL'];
  /** Where local state lives: the embedded database, development keys. */
  readonly dataDir: string;

  readonly http: {
    readonly host: string;
    readonly port: number;
    readonly bodyLimitBytes: number;
    readonly trustProxy: TrustProxy;
    readonly shutdownGraceMs: number;
    readonly consoleEnabled: boolean;
  };

  readonly database: {
    /** Unset means: start the embedded PostgreSQL. */
    readonly url?: string;
    readonly poolSize: number;
    readonly migrationsRun: boolean;
    readonly embeddedPort: number;
    /** During an outage, how long cached rows outlive their freshness. */
    readonly staleIfErrorSeconds: number;
  };

  readonly auth: {
    readonly issuer: string;
    /** AUTH_ISSUER when it is a URL: the issuer of the discovery metadata, whatever host a request names. */
    readonly issuerUrl?: string;
    readonly audience: string;
    readonly tokenTtlSeconds: number;
    readonly signingKey?: string;
    readonly external?: { readonly issuer: string; readonly jwksUrl: string; readonly audience: string; readonly principalClaim: string };
    readonly principalCacheSeconds: number;
    readonly login: {
      readonly slowdownAfter: number;
      readonly maxFailures: number;
      readonly maxFailuresPerAddress: number;
      readonly lockoutSeconds: number;
    };
    readonly bootstrapAdmin?: { readonly clientId: string; readonly clientSecret: string };
  };

  readonly audit: {
    readonly failClosed: boolean;
    readonly fingerprintKey?: string;
    readonly batchMax: number;
    readonly writeTimeoutMs: number;
    readonly queueMax: number;
    readonly retentionDays?: number;
    readonly checkpointMinutes: number;
  };

  readonly webhooks: {
    readonly allowHttp: boolean;
    /** Lower-case host names and addresses exempt from the loopback and link-local refusal. */
    readonly allowedHosts: ReadonlySet<string>;
    readonly timeoutMs: number;
    readonly retryHours: number;
    readonly retryBaseMs: number;
    readonly retryMaxMs: number;
    readonly pollMs: number;
    readonly secretGraceHours: number;
    readonly budgetRiskCheckSeconds: number;
  };

  readonly vault: {
    readonly keyRing: KeyRingKind;
    /** Unset outside production: a development key is generated under DATA_DIR (unless the key ring is pkcs11). */
    readonly keys?: string;
    /** With keyRing pkcs11: the token and its key labels by version. */
    readonly pkcs11?: Pkcs11DeviceConfig & { readonly keyLabels: ReadonlyMap<string, string> };
    readonly activeKey?: string;
    /** 0: unwrapped data keys are not kept. */
    readonly dataKeyCacheSeconds: number;
    readonly expiryWarningDays: number;
  };

  readonly myinvois: {
    readonly baseUrls: { readonly sandbox: string; readonly production: string };
    readonly connectTimeoutMs: number;
    readonly timeoutMs: number;
    readonly loginWaitMaxMs: number;
    readonly onDemandReserve: number;
    /** The default `loginRatePerMinute` of a new credential, by environment. */
    readonly defaultLoginRatePerMinute: { readonly sandbox: number; readonly production: number };
    /** After MyInvois failed or refused the request itself: how the next attempts wait. */
    readonly loginBackoff: { readonly backoffBaseMs: number; readonly backoffMaxMs: number };
  };

  readonly tokens: {
    readonly minTtlSeconds: number;
    readonly invalidateCooldownSeconds: number;
    readonly leaseSeconds: number;
    readonly stateCacheSeconds: number;
    readonly replicaHeartbeatIntervalMs: number;
    /** A process whose heartbeat is older than this is dead, and its leases free. */
    readonly replicaDeadAfterSeconds: number;
  };

  readonly refresh: {
    readonly enabled: boolean;
    readonly intervalMs: number;
    readonly activeWindowSeconds: number;
    readonly thresholdRatio: number;
    readonly jitterRatio: number;
    readonly batchSize: number;
    readonly backoffBaseMs: number;
    readonly backoffMaxMs: number;
  };

  constructor(env: AppEnvironment) {
    this.nodeEnv = env.NODE_ENV;
    this.isProduction = env.NODE_ENV === 'production';
    this.logLevel = env.LOG_LEVEL;
    this.dataDir = resolve(env.DATA_DIR);
    this.http = {
      host: env.HOST,
      port: env.PORT,
      bodyLimitBytes: env.HTTP_BODY_LIMIT_BYTES,
      trustProxy: env.TRUST_PROXY,
      shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
      consoleEnabled: env.CONSOLE_ENABLED,
    };
    this.database = {
      url: env.DATABASE_URL,
      poolSize: env.DATABASE_POOL_SIZE,
      migrationsRun: env.MIGRATIONS_RUN,
      embeddedPort: env.EMBEDDED_DATABASE_PORT,
      staleIfErrorSeconds: env.STALE_IF_ERROR_SECONDS,
    };
    this.auth = {
      issuer: env.AUTH_ISSUER,
      issuerUrl: isIssuerUrl(env.AUTH_ISSUER) ? env.AUTH_ISSUER : undefined,
      audience: env.AUTH_AUDIENCE,
      tokenTtlSeconds: env.AUTH_TOKEN_TTL_SECONDS,
      signingKey: env.AUTH_SIGNING_KEY,
      external:
        env.AUTH_EXTERNAL_ISSUER && env.AUTH_EXTERNAL_JWKS_URL && env.AUTH_EXTERNAL_AUDIENCE
          ? {
              issuer: env.AUTH_EXTERNAL_ISSUER,
              jwksUrl: env.AUTH_EXTERNAL_JWKS_URL,
              audience: env.AUTH_EXTERNAL_AUDIENCE,
              principalClaim: env.AUTH_EXTERNAL_PRINCIPAL_CLAIM,
            }
          : undefined,
      principalCacheSeconds: env.AUTH_PRINCIPAL_CACHE_SECONDS,
      login: {
        slowdownAfter: env.AUTH_LOGIN_SLOWDOWN_AFTER,
        maxFailures: env.AUTH_LOGIN_MAX_FAILURES,
        maxFailuresPerAddress: env.AUTH_LOGIN_ADDRESS_MAX_FAILURES,
        lockoutSeconds: env.AUTH_LOGIN_LOCKOUT_SECONDS,
      },
      bootstrapAdmin:
        env.BOOTSTRAP_ADMIN_CLIENT_ID && env.BOOTSTRAP_ADMIN_CLIENT_SECRET
          ? { clientId: env.BOOTSTRAP_ADMIN_CLIENT_ID, clientSecret: env.BOOTSTRAP_ADMIN_CLIENT_SECRET }
          : undefined,
    };
    this.audit = {
      failClosed: env.AUDIT_FAIL_CLOSED,
      fingerprintKey: env.AUDIT_FINGERPRINT_KEY,
      batchMax: env.AUDIT_BATCH_MAX,
      writeTimeoutMs: env.AUDIT_WRITE_TIMEOUT_MS,
      queueMax: env.AUDIT_QUEUE_MAX,
      retentionDays: env.AUDIT_RETENTION_DAYS,
      checkpointMinutes: env.AUDIT_CHECKPOINT_MINUTES,
    };
    this.webhooks = {
      allowHttp: env.WEBHOOK_ALLOW_HTTP ?? !this.isProduction,
      allowedHosts: new Set(
        (env.WEBHOOK_ALLOWED_HOSTS ?? '')
          .split(',')
          .map((host) =>
            host
              .trim()
              .toLowerCase()
              .replace(/^\[|\]$/g, ''),
          )
          .filter(Boolean),
      ),
      timeoutMs: env.WEBHOOK_TIMEOUT_MS,
      retryHours: env.WEBHOOK_RETRY_HOURS,
      retryBaseMs: env.WEBHOOK_RETRY_BASE_MS,
      retryMaxMs: env.WEBHOOK_RETRY_MAX_MS,
      pollMs: env.WEBHOOK_POLL_MS,
      secretGraceHours: env.WEBHOOK_SECRET_GRACE_HOURS,
      budgetRiskCheckSeconds: env.BUDGET_RISK_CHECK_SECONDS,
    };
    this.myinvois = {
      baseUrls: { sandbox: env.MYINVOIS_SANDBOX_URL.replace(/\/+$/, ''), production: env.MYINVOIS_PRODUCTION_URL.replace(/\/+$/, '') },
      connectTimeoutMs: env.MYINVOIS_CONNECT_TIMEOUT_MS,
      timeoutMs: env.MYINVOIS_TIMEOUT_MS,
      loginWaitMaxMs: env.LOGIN_WAIT_MAX_MS,
      onDemandReserve: env.LOGIN_BUDGET_ON_DEMAND_RESERVE,
      // Production's limit is published (12 a minute per client ID); the sandbox's is lower and unpublished.
      defaultLoginRatePerMinute: { sandbox: env.MYINVOIS_SANDBOX_LOGIN_RATE_PER_MINUTE, production: 12 },
      loginBackoff: { backoffBaseMs: env.LOGIN_BACKOFF_BASE_MS, backoffMaxMs: env.LOGIN_BACKOFF_MAX_MS },
    };
    this.tokens = {
      minTtlSeconds: env.TOKEN_MIN_TTL_SECONDS,
      invalidateCooldownSeconds: env.TOKEN_INVALIDATE_COOLDOWN_SECONDS,
      leaseSeconds: env.TOKEN_LEASE_SECONDS,
      stateCacheSeconds: env.STATE_CACHE_SECONDS,
      replicaHeartbeatIntervalMs: env.REPLICA_HEARTBEAT_INTERVAL_MS,
      replicaDeadAfterSeconds: env.REPLICA_DEAD_AFTER_SECONDS,
    };
    this.refresh = {
      enabled: env.REFRESH_ENABLED,
      intervalMs: env.REFRESH_INTERVAL_MS,
      activeWindowSeconds: env.REFRESH_ACTIVE_WINDOW_SECONDS,
      thresholdRatio: env.REFRESH_THRESHOLD_RATIO,
      jitterRatio: env.REFRESH_JITTER_RATIO,
      batchSize: env.REFRESH_BATCH_SIZE,
      backoffBaseMs: env.REFRESH_BACKOFF_BASE_MS,
      backoffMaxMs: env.REFRESH_BACKOFF_MAX_MS,
    };
    this.vault = {
      keyRing: env.VAULT_KEY_RING,
      keys: env.VAULT_KEYS,
      pkcs11: env.VAULT_KEY_RING === 'pkcs11' ? { ...env.toPkcs11DeviceConfig(), keyLabels: parsePkcs11Keys(env.VAULT_PKCS11_KEYS!) } : undefined,
      activeKey: env.VAULT_ACTIVE_KEY,
      dataKeyCacheSeconds: env.VAULT_DATA_KEY_CACHE_SECONDS,
      expiryWarningDays: env.CREDENTIAL_EXPIRY_WARNING_DAYS,
    };
  }
}

/** The one place that reads `process.env` for the broker. */
export function loadAppConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  return new AppConfig(validateEnvironment(AppEnvironment, env));
}
