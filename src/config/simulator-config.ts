import { resolve } from 'node:path';
import { validateEnvironment } from './environment-validation';
import { SimulatorEnvironment } from './simulator-environment';

/** The MyInvois simulator's configuration: read once from the environment, validated, then injected. */
export class SimulatorConfig {
  readonly nodeEnv: SimulatorEnvironment['NODE_ENV'];
  readonly logLevel: SimulatorEnvironment['LOG_LEVEL'];

  readonly http: {
    readonly host: string;
    readonly port: number;
  };

  readonly tokens: {
    /** The `iss` claim; MyInvois puts its identity host there, not the API host that serves /connect/token. */
    readonly issuer: string;
    readonly ttlSeconds: number;
  };

  readonly rateLimit: {
    /** Default for clients without their own `rateLimitPerMinute`. */
    readonly requestsPerWindow: number;
    readonly windowSeconds: number;
  };

  /** Absolute path of the clients file, when one is configured. */
  readonly clientsFile?: string;

  constructor(env: SimulatorEnvironment) {
    this.nodeEnv = env.NODE_ENV;
    this.logLevel = env.LOG_LEVEL;
    this.http = { host: env.SIMULATOR_HOST, port: env.SIMULATOR_PORT };
    this.tokens = { issuer: env.SIMULATOR_ISSUER, ttlSeconds: env.SIMULATOR_TOKEN_TTL_SECONDS };
    this.rateLimit = {
      requestsPerWindow: env.SIMULATOR_RATE_LIMIT_PER_MINUTE,
      windowSeconds: env.SIMULATOR_RATE_LIMIT_WINDOW_SECONDS,
    };
    this.clientsFile = env.SIMULATOR_CLIENTS_FILE === undefined ? undefined : resolve(env.SIMULATOR_CLIENTS_FILE);
  }
}

/** The one place that reads `process.env` for the simulator. */
export function loadSimulatorConfig(env: Record<string, string | undefined> = process.env): SimulatorConfig {
  return new SimulatorConfig(validateEnvironment(SimulatorEnvironment, env));
}
