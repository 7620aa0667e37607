import { resolve } from 'node:path';
import { AppEnvironment } from './app-environment';
import { validateEnvironment } from './environment-validation';

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
    readonly trustProxy: boolean;
    readonly shutdownGraceMs: number;
  };

  readonly database: {
    /** Unset means: start the embedded PostgreSQL. */
    readonly url?: string;
    readonly poolSize: number;
    readonly migrationsRun: boolean;
    readonly embeddedPort: number;
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
    };
    this.database = {
      url: env.DATABASE_URL,
      poolSize: env.DATABASE_POOL_SIZE,
      migrationsRun: env.MIGRATIONS_RUN,
      embeddedPort: env.EMBEDDED_DATABASE_PORT,
    };
  }
}

/** The one place that reads `process.env` for the broker. */
export function loadAppConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  return new AppConfig(validateEnvironment(AppEnvironment, env));
}
