import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { sqlStateOf } from '../common/postgres-errors';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { AuditAvailability } from './audit-availability';
import { AppendedEvent, AuditChain } from './audit-chain';
import type { AuditEventInput } from './audit-event.input';
import { ExposureKey, exposureId, TokenExposures } from './token-exposures';

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
 * crash could lose. An event the database refuses fails alone, never its batch.
 */
@Injectable()
export class AuditBatcher implements OnApplicationShutdown {
  private readonly logger = new Logger(AuditBatcher.name);
  private queue: Pending[] = [];
  private draining: Promise<void> | undefined;
  private overflowing = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly chain: AuditChain,
    private readonly exposures: TokenExposures,
    private readonly metrics: MetricsService,
    private readonly availability: AuditAvailability,
    private readonly config: AppConfig,
  ) {}

  submit(input: AuditEventInput, once?: ExposureKey): Promise<AppendedEvent | null> {
    if (this.queue.length >= this.config.audit.queueMax) return Promise.reject(this.refuseOverflow());
    this.overflowing = false;
    return new Promise<AppendedEvent | null>((resolve, reject) => {
      this.queue.push({ input, once, resolve, reject });
      this.draining ??= this.drain().finally(() => (this.draining = undefined));
    });
  }

  /** Graceful shutdown: everything already submitted is committed first. */
  async onApplicationShutdown(): Promise<void> {
    while (this.draining) await this.draining;
  }

  /** A full queue is an audit log that cannot keep up: counted and shown like any failed write. */
  private refuseOverflow(): Error {
    this.metrics.auditFailures.inc();
    this.availability.failed();
    if (!this.overflowing) {
      this.overflowing = true;
      this.logger.error({ queueMax: this.config.audit.queueMax }, 'audit queue is full: audit events are refused until it drains');
    }
    return new Error(`audit queue is full (${this.config.audit.queueMax} events waiting)`);
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      await this.commit(this.queue.splice(0, this.config.audit.batchMax));
    }
  }

  /**
   * Commits a batch. When the database refuses its data (an event no sanitising could save),
   * the batch is halved and each half committed on its own, until the refused event is alone:
   * the others are written, and only its own request fails.
   */
  private async commit(batch: Pending[]): Promise<void> {
    try {
      const results = await this.dataSource.transaction((manager) => this.commitBatch(manager, batch));
      const written = results.filter((result) => result !== null).length;
      this.metrics.auditCommits.inc();
      this.metrics.auditBatchSize.observe(written);
      this.metrics.auditEvents.inc({ path: 'group' }, written);
      this.availability.written();
      batch.forEach((item, index) => item.resolve(results[index]));
    } catch (error) {
      if (isRefusedData(error) && batch.length > 1) {
        const half = Math.ceil(batch.length / 2);
        await this.commit(batch.slice(0, half));
        await this.commit(batch.slice(half));
        return;
      }
      this.metrics.auditFailures.inc(batch.length);
      if (isRefusedData(error)) {
        this.logger.error({ err: error, action: batch[0].input.action }, 'the database refused an audit event');
      } else {
        this.availability.failed();
        this.logger.error({ err: error, events: batch.length }, 'could not write audit events');
      }
      batch.forEach((item) => item.reject(error));
    }
  }

  /** Appends the batch, except events whose exposure was recorded before (in this batch or earlier). */
  private async commitBatch(manager: EntityManager, batch: Pending[]): Promise<Array<AppendedEvent | null>> {
    const firstTime = await this.exposures.claim(
      manager,
      batch.flatMap((item) => (item.once ? [item.once] : [])),
    );
    // Claimed by the first item that carries it; a duplicate in the same batch writes nothing.
    const toWrite = batch.filter((item) => !item.once || firstTime.delete(exposureId(item.once)));
    const appended = await this.chain.append(
      manager,
      toWrite.map((item) => item.input),
    );
    const byItem = new Map(toWrite.map((item, index) => [item, appended[index]]));
    return batch.map((item) => byItem.get(item) ?? null);
  }
}

/** SQLSTATE classes 22 (data exception) and 23 (integrity constraint): the event, not the log, is at fault. */
function isRefusedData(error: unknown): boolean {
  const state = sqlStateOf(error);
  return state !== undefined && (state.startsWith('22') || state.startsWith('23'));
}
