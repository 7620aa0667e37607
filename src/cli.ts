import 'reflect-metadata';
import { writeSync } from 'node:fs';
import { DynamicModule, INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppConfig, loadAppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { ConfigurationError } from './config/environment-validation';
import { DatabaseModule } from './database/database.module';
import { EmbeddedDatabase } from './database/embedded-database';
import { MetricsModule } from './metrics/metrics.module';

/**
 * Runs a command-line job (audit verify, vault re-wrap) against the same services the API
 * uses: configuration, the database (DATABASE_URL, or the embedded one, even while a broker
 * runs on it), and the given domain modules. Exits with the job's code.
 */
export function runCommand(
  parts: Pick<DynamicModule, 'imports' | 'providers'>,
  job: (app: INestApplicationContext, config: AppConfig) => Promise<number>,
): void {
  void (async () => {
    let config: AppConfig;
    try {
      config = loadAppConfig();
    } catch (error) {
      if (error instanceof ConfigurationError) writeSync(2, `${error.message}\n`);
      throw error;
    }
    const embedded = config.database.url
      ? undefined
      : await EmbeddedDatabase.start({ dataDir: config.dataDir, port: config.database.embeddedPort, log: (m) => writeSync(2, `${m}\n`), shareRunning: true });

    @Module({})
    class CommandModule {}
    const app = await NestFactory.createApplicationContext(
      {
        module: CommandModule,
        imports: [
          ConfigModule.forRoot(config),
          DatabaseModule.forRoot(config, config.database.url ?? embedded!.url, { schema: 'leave' }),
          MetricsModule,
          ...(parts.imports ?? []),
        ],
        providers: parts.providers ?? [],
      },
      { logger: ['error', 'warn'] },
    );
    let code = 1;
    try {
      code = await job(app, config);
    } finally {
      await app.close();
      await embedded?.stop();
    }
    process.exit(code);
  })().catch((error: unknown) => {
    writeSync(2, `${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  });
}
