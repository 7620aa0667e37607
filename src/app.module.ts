import { DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { LoggerModule } from 'nestjs-pino';
import { AuditModule } from './audit/audit.module';
import { loggerModuleParams } from './common/logger-module.params';
import { AuthModule } from './auth/auth.module';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './metrics/metrics.module';
import { NotificationsModule } from './notifications/notifications.module';
import { RefresherModule } from './refresher/refresher.module';
import { TenantDirectoryModule } from './tenants/tenant-directory.module';
import { TenantsModule } from './tenants/tenants.module';
import { TokensModule } from './myinvois-tokens/tokens.module';
import { VaultModule } from './vault/vault.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, databaseUrl: string): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot(loggerModuleParams(config)),
        DatabaseModule.forRoot(config, databaseUrl),
        ScheduleModule.forRoot(),
        MetricsModule,
        AuditModule,
        HealthModule,
        VaultModule,
        TenantsModule,
        TenantDirectoryModule,
        AuthModule,
        TokensModule,
        RefresherModule,
        NotificationsModule,
      ],
    };
  }
}
