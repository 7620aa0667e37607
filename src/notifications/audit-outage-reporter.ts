import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { systemActor } from '../common/actor';
import { AuditAvailability } from '../audit/audit-availability';
import { AuditService } from '../audit/audit.service';
import { AppConfig } from '../config/app-config';

/**
 * While the audit log cannot be written, neither can the outbox beside it: an outage is told
 * once it is over, as `audit.unavailable` (with when it began) and `audit.available` (with when
 * it ended), both audited and queued in one transaction. Each replica tells its own outages;
 * one that cannot write them yet keeps them and tries again at the next poll.
 */
@Injectable()
export class AuditOutageReporter implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AuditOutageReporter.name);
  private timer: NodeJS.Timeout | undefined;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly availability: AuditAvailability,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.report(), this.config.webhooks.pollMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async report(): Promise<void> {
    const outages = this.availability.takeEndedOutages();
    if (outages.length === 0) return;
    try {
      await this.dataSource.transaction(async (manager) => {
        for (const outage of outages) {
          const durationSeconds = Math.round((outage.until.getTime() - outage.since.getTime()) / 1000);
          const actor = systemActor('audit-availability');
          await this.audit.record(manager, {
            actor,
            action: 'audit.unavailable',
            outcome: 'failure',
            details: { since: outage.since, lastFailureAt: outage.lastFailureAt, reportedAfterRecovery: true },
          });
          await this.audit.record(manager, { actor, action: 'audit.available', details: { since: outage.since, until: outage.until, durationSeconds } });
        }
      });
    } catch (error) {
      this.availability.giveBack(outages);
      this.logger.warn({ err: error }, 'could not report an audit outage yet; trying again');
    }
  }
}
