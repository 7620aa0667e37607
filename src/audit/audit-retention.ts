import { Injectable, Logger } from '@nestjs/common';
import { Cron } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ValidationFailedError } from '../common/domain-error';
import { AppConfig } from '../config/app-config';
import { Actor, systemActor } from '../common/actor';
import { AuditChain } from './audit-chain';
import { AuditError, AuditErrorCode } from './audit.errors';

export interface PurgeResult {
  /** Rows removed by this run (events cut off from the chain, now or by an interrupted run). */
  deleted: number;
  /** The chain now starts after this event; its hash is the new anchor. */
  anchorSeq: string;
  cutoff: string;
}

const DELETE_BATCH = 5000;

/**
 * The one way events leave the log: a purge of the oldest events, older than the retention age
 * (AUDIT_RETENTION_DAYS). It first cuts them off the chain, briefly holding the chain's lock:
 * the anchor moves to the last event removed, so the rest verifies from its new start, and an
 * `audit.purged` event records the cut. Then it deletes the cut-off rows in batches, without
 * the chain's lock, so audit writes carry on meanwhile. The database lets a DELETE remove only
 * rows at or before the anchor. A run stopped half-way leaves rows before the anchor, which the
 * next run deletes.
 */
@Injectable()
export class AuditRetention {
  private readonly logger = new Logger(AuditRetention.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly chain: AuditChain,
    private readonly config: AppConfig,
  ) {}

  /** Daily, in every replica; the chain lock makes the second run find nothing to cut. */
  @Cron('17 3 * * *', { name: 'audit-retention' })
  async scheduledPurge(): Promise<void> {
    if (!this.config.audit.retentionDays) return;
    const result = await this.purge(systemActor('audit-retention'), daysAgo(this.config.audit.retentionDays));
    if (result.deleted > 0) this.logger.log(result, 'purged audit events older than AUDIT_RETENTION_DAYS');
  }

  /**
   * An operator's purge: `olderThanDays` or `before`, exactly one, and never of events younger
   * than AUDIT_RETENTION_DAYS; refused altogether when no retention is configured (every event
   * is kept), so that nobody can erase the recent log through the API.
   */
  purgeOnRequest(actor: Actor, request: { olderThanDays?: number; before?: Date }): Promise<PurgeResult> {
    const retentionDays = this.config.audit.retentionDays;
    if (!retentionDays) {
      throw new AuditError(AuditErrorCode.PurgeDisabled, 'The audit log keeps every event: AUDIT_RETENTION_DAYS is not set, so nothing may be purged');
    }
    if ((request.olderThanDays === undefined) === (request.before === undefined)) {
      throw ValidationFailedError.field('body', 'give exactly one of olderThanDays and before');
    }
    const field = request.before ? 'before' : 'olderThanDays';
    const cutoff = request.before ?? daysAgo(request.olderThanDays!);
    const latest = daysAgo(retentionDays);
    if (cutoff.getTime() > latest.getTime()) {
      throw ValidationFailedError.field(
        field,
        `${field} must keep the last AUDIT_RETENTION_DAYS (${retentionDays}) days: the latest cutoff now is ${latest.toISOString()}`,
      );
    }
    return this.purge(actor, cutoff);
  }

  /** Removes the events older than `cutoff` (never one at or after it). */
  async purge(actor: Actor, cutoff: Date): Promise<PurgeResult> {
    const anchorSeq = await this.cutOff(actor, cutoff);
    const deleted = await this.deleteUpTo(anchorSeq);
    return { deleted, anchorSeq, cutoff: cutoff.toISOString() };
  }

  /** Moves the anchor past the events older than `cutoff` and records it; returns the anchor. */
  private cutOff(actor: Actor, cutoff: Date): Promise<string> {
    return this.dataSource.transaction(async (manager) => {
      const head = await this.chain.lockHead(manager);
      // The newest event such that it and every event before it are older than the cutoff.
      const [firstKept] = (await manager.query('SELECT min(seq) AS seq FROM audit_events WHERE occurred_at >= $1 AND seq > $2', [
        cutoff,
        head.anchorSeq,
      ])) as Array<{ seq: string | null }>;
      const upTo = firstKept.seq ? BigInt(firstKept.seq) - 1n : BigInt(head.headSeq);
      if (upTo <= BigInt(head.anchorSeq)) return head.anchorSeq;

      const [last] = (await manager.query('SELECT hash FROM audit_events WHERE seq = $1', [upTo.toString()])) as Array<{ hash: string }>;
      await manager.query(`SELECT set_config('audit.purge', 'on', true)`);
      await manager.query('UPDATE audit_chain SET anchor_seq = $1, anchor_hash = $2, anchored_at = now() WHERE id = 1', [upTo.toString(), last.hash]);
      await manager.query(`SELECT set_config('audit.purge', 'off', true)`);
      await this.chain.append(manager, [
        {
          actor,
          action: 'audit.purged',
          details: {
            removed: Number(upTo - BigInt(head.anchorSeq)),
            fromSeq: (BigInt(head.anchorSeq) + 1n).toString(),
            upToSeq: upTo.toString(),
            anchorHash: last.hash,
            cutoff: cutoff.toISOString(),
          },
        },
      ]);
      return upTo.toString();
    });
  }

  /** Deletes the rows cut off from the chain, a batch per transaction, without the chain's lock. */
  private async deleteUpTo(anchorSeq: string): Promise<number> {
    let deleted = 0;
    for (;;) {
      const count = await this.dataSource.transaction(async (manager) => {
        await manager.query(`SELECT set_config('audit.purge', 'on', true)`);
        const [, rows] = (await manager.query(
          `DELETE FROM audit_events WHERE seq IN (SELECT seq FROM audit_events WHERE seq <= $1 ORDER BY seq LIMIT ${DELETE_BATCH})`,
          [anchorSeq],
        )) as [unknown, number];
        return rows;
      });
      deleted += count;
      if (count < DELETE_BATCH) return deleted;
    }
  }
}

export function daysAgo(days: number): Date {
  return new Date(Date.now() - days * 86_400_000);
}
