import 'reflect-metadata';
import { writeSync } from 'node:fs';
import pino from 'pino';
import { exitGracefullyOnSignals } from './common/graceful-shutdown';
import { pinoOptions } from './common/logging';
import { AppConfig, loadAppConfig } from './config/app-config';
import { ConfigurationError } from './config/environment-validation';
import { EmbeddedDatabase } from './database/embedded-database';
import { ShutdownState } from './health/shutdown-state';
import { createHttpApp } from './http-app';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const log = pino(pinoOptions(config));

  let embedded: EmbeddedDatabase | undefined;
  if (!config.database.url) {
    if (config.isProduction) {
      exitWith('DATABASE_URL is required when NODE_ENV=production: the embedded database is for development only');
    }
    embedded = await EmbeddedDatabase.start({
      dataDir: config.dataDir,
      port: config.database.embeddedPort,
      log: (message) => log.info(message),
    });
    log.warn({ directory: embedded.directory, port: config.database.embeddedPort }, 'DATABASE_URL is not set: using the embedded PostgreSQL (development only)');
  }

  const app = await createHttpApp(config, config.database.url ?? embedded!.url).catch(async (error: unknown) => {
    await embedded?.stop();
    throw error;
  });
  await app.listen({ port: config.http.port, host: config.http.host });
  log.info({ address: await app.getUrl() }, 'myinvois-broker is listening');

  exitGracefullyOnSignals({
    log,
    graceMs: config.http.shutdownGraceMs,
    announcement: 'shutting down: no new connections, finishing requests in flight',
    onSignal: () => app.get(ShutdownState).begin(),
    close: async () => {
      // beforeApplicationShutdown hooks, then the HTTP server closes (waiting for requests in flight), then onApplicationShutdown hooks (pool last).
      await app.close();
      // Only now, with the pool closed, may the embedded database go.
      await embedded?.stop();
    },
  });
}

function loadConfigOrExit(): AppConfig {
  try {
    return loadAppConfig();
  } catch (error) {
    if (error instanceof ConfigurationError) exitWith(error.message);
    throw error;
  }
}

function exitWith(message: string): never {
  // Synchronous, so the message is out before the process exits.
  writeSync(2, `myinvois-broker cannot start. ${message}\n`);
  process.exit(1);
}

main().catch((error: unknown) => {
  writeSync(2, `myinvois-broker failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
