import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Cron } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { systemActor } from '../common/actor';
import { AuditService } from '../audit/audit.service';
import { AppConfig } from '../config/app-config';

/**
 * Each day, and at start-up: credentials whose secrets expire within the warning window get a
 * `credential.secret_expiring` audit event and a warning log line, once per day per credential
 * across all replicas (the day is claimed on the row itself).
 */
@Injectable()
export class SecretExpiryService implements OnApplicationBootstrap {
  private readonly logger = new Logger(SecretExpiryService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    // Not awaited: start-up does not wait on it, and a failure is only logged.
    void this.announce().catch((error: unknown) => this.logger.error({ err: error }, 'secret expiry check failed'));
  }

  @Cron('7 0 * * *', { name: 'secret-expiry' })
  async announce(): Promise<number> {
    const announced = await this.dataSource.transaction(async (manager) => {
      const rows = (await manager.query(
        `UPDATE credentials SET expiry_warned_on = current_date
          WHERE secret_expires_at IS NOT NULL AND secret_expires_at < now() + make_interval(days => $1)
            AND (expiry_warned_on IS NULL OR expiry_warned_on < current_date)
        RETURNING id, client_id, environment, secret_expires_at`,
        [this.config.vault.expiryWarningDays],
      )) as [Array<{ id: string; client_id: string; environment: string; secret_expires_at: Date }>, number];
      const expiring = rows[0].map((row) => ({ ...row, daysLeft: Math.floor((row.secret_expires_at.getTime() - Date.now()) / 86_400_000) }));
      for (const row of expiring) {
        await this.audit.record(manager, {
          actor: systemActor('secret-expiry'),
          action: 'credential.secret_expiring',
          target: { type: 'credential', id: row.id },
          details: { clientId: row.client_id, environment: row.environment, secretExpiresAt: row.secret_expires_at, daysLeft: row.daysLeft },
        });
      }
      return expiring;
    });
    // Only once committed: a rolled-back day is announced again, by whichever replica claims it next.
    for (const row of announced) {
      this.logger.warn(
        { credentialId: row.id, clientId: row.client_id, secretExpiresAt: row.secret_expires_at, daysLeft: row.daysLeft },
        `the secrets of MyInvois client ID ${row.client_id} ${row.daysLeft < 0 ? 'have expired' : `expire in ${row.daysLeft} day(s)`}: regenerate them in the MyInvois portal and PUT them to /v1/credentials/${row.id}/secrets`,
      );
    }
    return announced.length;
  }
}
