import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { AppendedEvent, AuditChain } from './audit-chain';
import type { AuditEventInput } from './audit-event.input';

interface Pending {
  input: AuditEventInput;
  resolve: (event: AppendedEvent) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for events that are not part of a mutation (token exposures, denials, logins).
 * Requests arriving together share one INSERT and one COMMIT: while a batch is being committed,
 * new events queue, and the next batch takes all of them. Each submitter's promise settles only
 * after its event's transaction has committed (or failed), so nothing is acknowledged that a
 * crash could lose.
 */
@Injectable()
export class AuditBatcher implements OnApplicationShutdown {
  private readonly logger = new Logger(AuditBatcher.name);
  private queue: Pending[] = [];
  private draining: Promise<void> | undefined;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly chain: AuditChain,
    private readonly metrics: MetricsService,
    private readonly config: AppConfig,
  ) {}

  submit(input: AuditEventInput): Promise<AppendedEvent> {
    if (this.queue.length >= this.config.audit.queueMax) {
      return Promise.reject(new Error(`audit queue is full (${this.config.audit.queueMax} events waiting)`));
    }
    return new Promise<AppendedEvent>((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      this.draining ??= this.drain().finally(() => (this.draining = undefined));
    });
  }

  /** Graceful shutdown: everything already submitted is committed first. */
  async onApplicationShutdown(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.config.audit.batchMax);
      try {
        const appended = await this.dataSource.transaction((manager) => this.chain.append(manager, batch.map((item) => item.input)));
        this.metrics.auditCommits.inc();
        this.metrics.auditBatchSize.observe(batch.length);
        this.metrics.auditEvents.inc({ path: 'group' }, batch.length);
        this.metrics.auditAvailable.set(1);
        batch.forEach((item, index) => item.resolve(appended[index]));
      } catch (error) {
        this.metrics.auditFailures.inc(batch.length);
        this.metrics.auditAvailable.set(0);
        this.logger.error({ err: error, events: batch.length }, 'could not write audit events');
        batch.forEach((item) => item.reject(error));
      }
    }
  }
}
