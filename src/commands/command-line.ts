import 'reflect-metadata';
import { writeSync } from 'node:fs';
import { parseArgs, ParseArgsConfig } from 'node:util';
import { DynamicModule, INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Client } from 'pg';
import { AppConfig, loadAppConfig } from '../config/app-config';
import { ConfigModule } from '../config/config.module';
import { ConfigurationError } from '../config/environment-validation';
import { DatabaseModule } from '../database/database.module';
import { EmbeddedDatabase, EmbeddedDatabaseError } from '../database/embedded-database';
import { MetricsModule } from '../metrics/metrics.module';

/** Exit codes of every command: 0 and 1 are the job's own verdict. */
const COULD_NOT_RUN = 2;

/** What the commands say about where they look for the database, in their usage. */
export const DATABASE_USAGE = `The database is the one the service uses, from the same environment: DATABASE_URL, or else the embedded
PostgreSQL under DATA_DIR (.data) that \`npm start\` runs, found on the port it runs on, even while the service runs.`;

/**
 * The command's options by `parseArgs` rules. `--help` prints the usage and exits 0; an unknown
 * or malformed option prints what is wrong and the usage, and exits 2.
 */
export function parseCommandLine<Options extends Record<string, { type: 'string' }>>(usage: string, options: Options): { [Name in keyof Options]?: string } {
  let values: Record<string, string | boolean | undefined>;
  try {
    const config: ParseArgsConfig = { options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: false, strict: true };
    values = parseArgs(config).values as Record<string, string | boolean | undefined>;
  } catch (error) {
    fail(`${error instanceof Error ? error.message : String(error)}\n\n${usage}`);
  }
  if (values.help) {
    writeSync(1, `${usage}\n`);
    process.exit(0);
  }
  return values as { [Name in keyof Options]?: string };
}

/** Says what is wrong, on stderr, and exits 2. */
export function fail(message: string): never {
  writeSync(2, `${message}\n`);
  process.exit(COULD_NOT_RUN);
}

/**
 * Runs a command-line job (audit verify, vault re-wrap) against the same services the API
 * uses: configuration, the database (DATABASE_URL, or the embedded one, even while a broker
 * runs on it), and the given domain modules. Exits with the job's code, or 2 with one message
 * when it cannot run (configuration, a database it cannot reach).
 */
export function runCommand(
  parts: Pick<DynamicModule, 'imports' | 'providers'>,
  job: (app: INestApplicationContext, config: AppConfig) => Promise<number>,
): void {
  void (async () => {
    const config = loadAppConfig();
    const embedded = config.database.url
      ? undefined
      : await EmbeddedDatabase.start({ dataDir: config.dataDir, port: config.database.embeddedPort, log: (m) => writeSync(2, `${m}\n`), shareRunning: true });
    const url = config.database.url ?? embedded!.url;
    try {
      await assertReachable(url, config.database.url ? 'DATABASE_URL' : `the embedded PostgreSQL in ${embedded!.directory}`);

      @Module({})
      class CommandModule {}
      const app = await NestFactory.createApplicationContext(
        {
          module: CommandModule,
          imports: [ConfigModule.forRoot(config), DatabaseModule.forRoot(config, url, { schema: 'leave' }), MetricsModule, ...(parts.imports ?? [])],
          providers: parts.providers ?? [],
        },
        { logger: ['error', 'warn'] },
      );
      let code = 1;
      try {
        code = await job(app, config);
      } finally {
        await app.close();
      }
      process.exitCode = code;
    } finally {
      await embedded?.stop();
    }
    process.exit();
  })().catch((error: unknown) => {
    const known = error instanceof ConfigurationError || error instanceof EmbeddedDatabaseError || error instanceof UnreachableDatabaseError;
    fail(known ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error));
  });
}

class UnreachableDatabaseError extends Error {}

/** One connection before Nest starts, so that a wrong URL or port is one clear line, not a retry loop's stack traces. */
async function assertReachable(url: string, source: string): Promise<void> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (error) {
    const reason = error instanceof Error ? error.message || (error as { code?: string }).code : String(error);
    const hint =
      source === 'DATABASE_URL'
        ? 'Set DATABASE_URL to the database the service uses.'
        : "Is it the service's? Run the command with the DATA_DIR and EMBEDDED_DATABASE_PORT the service has, or set DATABASE_URL.";
    throw new UnreachableDatabaseError(`Cannot reach the database at ${redacted(url)} (${source}): ${reason}. ${hint}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The URL without its password, fit for a message. */
function redacted(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(a DATABASE_URL that is not a URL)';
  }
}
