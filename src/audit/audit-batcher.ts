import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { AppendedEvent, AuditChain } from './audit-chain';
import type { AuditEventInput } from './audit-event.input';

/** Write the event only the first time this principal is exposed to this token (across replicas). */
export interface ExposureKey {
  principalId: string;
  fingerprint: string;
}

interface Pending {
  input: AuditEventInput;
  once?: ExposureKey;
  /** Resolves with the appended event, or null when `once` had been recorded already. */
  resolve: (event: AppendedEvent | null) => void;
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

  submit(input: AuditEventInput, once?: ExposureKey): Promise<AppendedEvent | null> {
    if (this.queue.length >= this.config.audit.queueMax) {
      return Promise.reject(new Error(`audit queue is full (${this.config.audit.queueMax} events waiting)`));
    }
    return new Promise<AppendedEvent | null>((resolve, reject) => {
      this.queue.push({ input, once, resolve, reject });
      this.draining ??= this.drain().finally(() => (this.draining = undefined));
    });
  }

  /** Graceful shutdown: everything already submitted is committed first. */
  async onApplicationShutdown(): Promise<void> {
    while (this.draining) await this.draining;
  }

  /** Appends the batch, except events whose exposure was recorded before (in this batch or earlier). */
  private async commitBatch(manager: EntityManager, batch: Pending[]): Promise<Array<AppendedEvent | null>> {
    const exposures = batch.filter((item) => item.once).map((item) => item.once!);
    const firstTime = new Set<string>();
    if (exposures.length > 0) {
      const inserted = (await manager.query(
        `INSERT INTO token_exposures (principal_id, fingerprint)
         SELECT * FROM unnest($1::uuid[], $2::char(32)[]) ON CONFLICT DO NOTHING RETURNING principal_id, fingerprint`,
        [exposures.map((e) => e.principalId), exposures.map((e) => e.fingerprint)],
      )) as Array<{ principal_id: string; fingerprint: string }>;
      for (const row of inserted) firstTime.add(`${row.principal_id}:${row.fingerprint}`);
    }
    const toWrite = batch.filter((item) => {
      if (!item.once) return true;
      const key = `${item.once.principalId}:${item.once.fingerprint}`;
      // Claimed by the first item that carries it; a duplicate in the same batch writes nothing.
      return firstTime.delete(key);
    });
    const appended = await this.chain.append(manager, toWrite.map((item) => item.input));
    const byItem = new Map(toWrite.map((item, index) => [item, appended[index]]));
    return batch.map((item) => byItem.get(item) ?? null);
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.config.audit.batchMax);
      try {
        const results = await this.dataSource.transaction((manager) => this.commitBatch(manager, batch));
        const written = results.filter((result) => result !== null).length;
        this.metrics.auditCommits.inc();
        this.metrics.auditBatchSize.observe(written);
        this.metrics.auditEvents.inc({ path: 'group' }, written);
        this.metrics.auditAvailable.set(1);
        batch.forEach((item, index) => item.resolve(results[index]));
      } catch (error) {
        this.metrics.auditFailures.inc(batch.length);
        this.metrics.auditAvailable.set(0);
        this.logger.error({ err: error, events: batch.length }, 'could not write audit events');
        batch.forEach((item) => item.reject(error));
      }
    }
  }
}
