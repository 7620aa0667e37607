import { DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { buildDataSourceOptions } from './data-source-options';
import { DatabaseNotifications } from './database-notifications';
import { runMigrationsExclusively } from './migrations';

/**
 * The application's connection pool. The URL is resolved before Nest starts, because the
 * embedded database (when DATABASE_URL is unset) must be up before the pool and outlive it.
 * Migrations run here, before any other module initialises and finds its tables missing.
 */
@Global()
@Module({})
export class DatabaseModule {
  /** `schema: 'leave'` for command-line jobs: no migrations, no refusal of a schema that is behind. */
  static forRoot(config: AppConfig, databaseUrl: string, mode: { schema: 'manage' | 'leave' } = { schema: 'manage' }): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () => ({
            ...buildDataSourceOptions({ url: databaseUrl, poolSize: config.database.poolSize }),
            // Nest's default of nine retries would hide a wrong DATABASE_URL for half a minute.
            retryAttempts: 2,
            retryDelay: 1000,
          }),
          dataSourceFactory: async (options) => {
            const dataSource = await new DataSource(options!).initialize();
            if (mode.schema === 'leave') return dataSource;
            if (config.database.migrationsRun) {
              await runMigrationsExclusively(dataSource);
            } else if (await dataSource.showMigrations()) {
              await dataSource.destroy();
              throw new Error('the database schema is behind this version (pending migrations) and MIGRATIONS_RUN=false: run `npm run migration:run` first');
            }
            return dataSource;
          },
        }),
      ],
      providers: [{ provide: DatabaseNotifications, useFactory: () => new DatabaseNotifications(databaseUrl) }],
      exports: [DatabaseNotifications],
    };
  }
}
