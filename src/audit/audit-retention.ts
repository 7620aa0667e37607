import { Injectable, Logger } from '@nestjs/common';
import { Cron } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { Actor, systemActor } from './actor';
import { AuditChain } from './audit-chain';
import { ValidationFailedError } from '../common/domain-error';

export interface PurgeResult {
  deleted: number;
  /** The chain now starts after this event; its hash is the new anchor. */
  anchorSeq: string;
  cutoff: string;
}

/**
 * The one way events leave the log: a purge of the oldest events, older than a retention age.
 * It removes a prefix of the chain, moves the anchor to the last removed event (so the rest
 * still verifies from its new start), and records itself as an `audit.purged` event.
 */
@Injectable()
export class AuditRetention {
  private readonly logger = new Logger(AuditRetention.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly chain: AuditChain,
    private readonly config: AppConfig,
  ) {}

  /** Daily, in every replica; the chain lock makes the second run find nothing to do. */
  @Cron('17 3 * * *', { name: 'audit-retention' })
  async scheduledPurge(): Promise<void> {
    if (!this.config.audit.retentionDays) return;
    const result = await this.purge(systemActor('audit-retention'), daysAgo(this.config.audit.retentionDays));
    if (result.deleted > 0) this.logger.log(result, 'purged audit events older than AUDIT_RETENTION_DAYS');
  }

  /** An operator's purge: `olderThanDays` or `before`, exactly one. */
  purgeOnRequest(actor: Actor, request: { olderThanDays?: number; before?: string }): Promise<PurgeResult> {
    if ((request.olderThanDays === undefined) === (request.before === undefined)) {
      throw ValidationFailedError.field('body', 'give exactly one of olderThanDays and before');
    }
    return this.purge(actor, request.before ? new Date(request.before) : daysAgo(request.olderThanDays!));
  }

  /** Removes the events older than `cutoff` (never one at or after it). */
  async purge(actor: Actor, cutoff: Date): Promise<PurgeResult> {
    if (cutoff.getTime() > Date.now()) {
      throw ValidationFailedError.field('before', 'before must not be in the future');
    }
    return this.dataSource.transaction(async (manager) => {
      const [chain] = (await manager.query('SELECT head_seq, anchor_seq FROM audit_chain WHERE id = 1 FOR UPDATE')) as Array<{
        head_seq: string;
        anchor_seq: string;
      }>;
      // The newest event such that it and every event before it are older than the cutoff.
      const [firstKept] = (await manager.query('SELECT min(seq) AS seq FROM audit_events WHERE occurred_at >= $1', [cutoff])) as Array<{
        seq: string | null;
      }>;
      const upTo = firstKept.seq ? BigInt(firstKept.seq) - 1n : BigInt(chain.head_seq);
      if (upTo <= BigInt(chain.anchor_seq)) return { deleted: 0, anchorSeq: chain.anchor_seq, cutoff: cutoff.toISOString() };

      const [last] = (await manager.query('SELECT hash FROM audit_events WHERE seq = $1', [upTo.toString()])) as Array<{ hash: string }>;
      await manager.query(`SET LOCAL audit.purge = 'on'`);
      const [, deleted] = (await manager.query('DELETE FROM audit_events WHERE seq <= $1', [upTo.toString()])) as [unknown, number];
      await manager.query('UPDATE audit_chain SET anchor_seq = $1, anchor_hash = $2, anchored_at = now() WHERE id = 1', [upTo.toString(), last.hash]);
      await manager.query(`SET LOCAL audit.purge = 'off'`);
      await this.chain.append(manager, [
        {
          actor,
          action: 'audit.purged',
          details: { deleted, upToSeq: upTo.toString(), anchorHash: last.hash, cutoff: cutoff.toISOString() },
        },
      ]);
      return { deleted, anchorSeq: upTo.toString(), cutoff: cutoff.toISOString() };
    });
  }
}

export function daysAgo(days: number): Date {
  return new Date(Date.now() - days * 86_400_000);
}
