import 'reflect-metadata';
import { writeSync } from 'node:fs';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import pino from 'pino';
import { exitGracefullyOnSignals } from './common/graceful-shutdown';
import { pinoOptions } from './common/logging';
import { AppConfig, loadAppConfig } from './config/app-config';
import { ConfigurationError } from './config/environment-validation';
import { EmbeddedDatabase, EmbeddedDatabaseError } from './database/embedded-database';
import { ShutdownState } from './health/shutdown-state';
import { createHttpApp } from './http-app';

/** Thrown between start-up steps once a signal has asked the process to stop. */
class StartupCancelled extends Error {}

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const log = pino(pinoOptions(config));

  // What has started so far; whatever ends the process stops these, the app before its database.
  let embedded: EmbeddedDatabase | undefined;
  let app: NestFastifyApplication | undefined;
  let stopping = false;
  const stopStarted = async () => {
    try {
      await app?.close();
    } finally {
      // Only now, with the pool closed (or past saving), may the embedded database go.
      await embedded?.stop();
    }
  };
  const unlessStopping = () => {
    if (stopping) throw new StartupCancelled('a signal arrived during start-up');
  };

  const startup = (async () => {
    // Configuration refuses production without DATABASE_URL.
    if (!config.database.url) {
      embedded = await EmbeddedDatabase.start({ dataDir: config.dataDir, port: config.database.embeddedPort, log: (message) => log.info(message) });
      log.warn(
        { directory: embedded.directory, port: config.database.embeddedPort },
        'DATABASE_URL is not set: using the embedded PostgreSQL (development only)',
      );
      unlessStopping();
    }
    app = await createHttpApp(config, config.database.url ?? embedded!.url);
    unlessStopping();
    await app.listen({ port: config.http.port, host: config.http.host });
    log.info({ address: await app.getUrl() }, 'myinvois-broker is listening');
  })();

  // Listening for signals from the start: one during start-up lets the step under way finish,
  // then stops what has started instead of leaving an embedded PostgreSQL behind.
  exitGracefullyOnSignals({
    log,
    graceMs: config.http.shutdownGraceMs,
    announcement: 'shutting down: no new connections, finishing requests in flight',
    onSignal: () => {
      stopping = true;
      app?.get(ShutdownState).begin();
    },
    close: async () => {
      await startup.catch(() => undefined);
      // beforeApplicationShutdown hooks, then the HTTP server closes (waiting for requests in
      // flight), then onApplicationShutdown hooks (the pool last), then the embedded database.
      await stopStarted();
    },
  });

  try {
    await startup;
  } catch (error) {
    // The signal handler owns the exit once a signal has arrived.
    if (stopping) return;
    await stopStarted().catch((stopError: unknown) => log.error({ err: stopError }, 'could not stop what had started'));
    throw error;
  }
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
  // Said in full, as a configuration problem is: it is the operator's to fix, not a bug.
  if (error instanceof EmbeddedDatabaseError) exitWith(error.message);
  writeSync(2, `myinvois-broker failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
