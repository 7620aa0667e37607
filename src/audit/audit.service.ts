import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { readOrCreateKeyFile } from '../common/local-key-file';
import { sqlStateOf } from '../common/postgres-errors';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { AuditAvailability } from './audit-availability';
import { AuditBatcher } from './audit-batcher';
import { AppendedEvent, AuditChain } from './audit-chain';
import { AuditError } from './audit.errors';
import type { AuditEventInput } from './audit-event.input';
import { tokenFingerprint } from './canonical';
import type { ExposureKey } from './token-exposures';

/**
 * How other modules write to the audit log:
 * - `record(manager, event)`: inside the transaction of a mutation, committed with it;
 * - `recordCommitted(event)`: group-committed, resolves once durable (true); when the log
 *   cannot be written, throws (fail closed) or logs and resolves false (fail open);
 * - `recordBestEffort(event)`: group-committed, never throws (refused requests: a failing
 *   audit log must not turn a 401 into a 503).
 * Events written with `record` are also handed to the follower (the webhook outbox), in the
 * same transaction, so that what follows from an event commits or rolls back with it.
 */
@Injectable()
export class AuditService implements OnModuleInit {
  private readonly logger = new Logger(AuditService.name);
  private fingerprintKey!: Buffer;
  private follower: AuditFollower | undefined;

  constructor(
    private readonly chain: AuditChain,
    private readonly batcher: AuditBatcher,
    private readonly metrics: MetricsService,
    private readonly availability: AuditAvailability,
    private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    this.fingerprintKey = await this.loadFingerprintKey();
  }

  /** Set once, by the module that acts on audit events (it depends on this one, not the other way round). */
  follow(follower: AuditFollower): void {
    this.follower = follower;
  }

  async record(manager: EntityManager, event: AuditEventInput): Promise<void> {
    let appended: AppendedEvent;
    try {
      [appended] = await this.chain.append(manager, [event]);
    } catch (error) {
      this.metrics.auditFailures.inc();
      this.availability.failed();
      this.logger.error({ err: error, action: event.action }, 'could not write an audit event; the change is rolled back');
      if (isLockTimeout(error)) throw AuditError.unavailable();
      throw error;
    }
    this.metrics.auditEvents.inc({ path: 'transaction' });
    this.availability.written();
    await this.follower?.(manager, event, appended);
  }

  /**
   * With `once`: only the first exposure of this principal to this token writes the event.
   * Resolves true once the event is durable (or was recorded before), false when it was lost
   * with AUDIT_FAIL_CLOSED=false: a caller that remembers what it has recorded (such as an
   * exposure) must not remember a lost one, so that the next request records it again.
   */
  async recordCommitted(event: AuditEventInput, once?: ExposureKey): Promise<boolean> {
    try {
      await this.batcher.submit(event, once);
      return true;
    } catch (error) {
      if (this.config.audit.failClosed) {
        this.logger.error({ action: event.action }, 'refusing the request: its audit event could not be written (AUDIT_FAIL_CLOSED=true)');
        throw AuditError.unavailable();
      }
      this.logger.error({ err: error, action: event.action }, 'audit event lost: AUDIT_FAIL_CLOSED=false, so the request goes on');
      return false;
    }
  }

  async recordBestEffort(event: AuditEventInput): Promise<void> {
    await this.batcher.submit(event).catch(() => undefined);
  }

  /** The name of a token in the audit log: looks it up without revealing it. */
  fingerprint(token: string): string {
    return tokenFingerprint(this.fingerprintKey, token);
  }

  private async loadFingerprintKey(): Promise<Buffer> {
    if (this.config.audit.fingerprintKey) return Buffer.from(this.config.audit.fingerprintKey, 'base64');
    if (this.config.isProduction) {
      throw new Error('AUDIT_FINGERPRINT_KEY is required when NODE_ENV=production, the same on every replica (base64 of 32 random bytes)');
    }
    const file = join(this.config.dataDir, 'audit-fingerprint.key');
    const { text, created } = await readOrCreateKeyFile(file, () => randomBytes(32).toString('base64'));
    if (created) this.logger.warn({ file }, 'AUDIT_FINGERPRINT_KEY is not set: generated a development key');
    return Buffer.from(text, 'base64');
  }
}

/** Acts on an event inside the transaction that writes it. */
export type AuditFollower = (manager: EntityManager, event: AuditEventInput, appended: AppendedEvent) => Promise<void>;

/** lock_timeout (55P03) or statement_timeout (57014): the chain was busy for too long. */
function isLockTimeout(error: unknown): boolean {
  const state = sqlStateOf(error);
  return state === '55P03' || state === '57014';
}
