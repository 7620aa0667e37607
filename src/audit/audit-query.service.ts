import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Cursor, DEFAULT_PAGE_SIZE, Page, toPage } from '../common/pagination';
import { AuditEvent } from './audit-event.entity';
import { AuditError, AuditErrorCode } from './audit.errors';
import { ListAuditEventsQuery } from './dto/audit-queries';
import { AuditEventDto } from './dto/audit-event.dto';

/** The largest seq PostgreSQL's bigint holds: a cursor beyond it is not one of ours. */
const MAX_SEQ = 9223372036854775807n;

const isSeqCursor = (value: unknown): value is { seq: string } => {
  const seq = (value as { seq?: unknown } | null)?.seq;
  return typeof value === 'object' && typeof seq === 'string' && /^\d{1,19}$/.test(seq) && BigInt(seq) <= MAX_SEQ;
};

/** Reads the audit log, newest first, by sequence number. */
@Injectable()
export class AuditQueryService {
  constructor(@InjectRepository(AuditEvent) private readonly events: Repository<AuditEvent>) {}

  async list(query: ListAuditEventsQuery): Promise<Page<AuditEventDto>> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    if (query.from && query.to && query.from.getTime() > query.to.getTime()) {
      throw new AuditError(AuditErrorCode.InvalidRange, 'from must not be after to', {
        field: 'from',
        errors: [{ field: 'from', message: 'from must not be after to' }],
      });
    }
    const qb = this.events.createQueryBuilder('e');
    if (query.tenantId) qb.andWhere('e.tenant_id = :tenantId', { tenantId: query.tenantId });
    if (query.actorId) qb.andWhere('e.actor_id = :actorId', { actorId: query.actorId });
    if (query.action?.endsWith('*')) {
      qb.andWhere('e.action LIKE :prefix', { prefix: `${query.action.slice(0, -1)}%` });
    } else if (query.action) {
      qb.andWhere('e.action = :action', { action: query.action });
    }
    if (query.from) qb.andWhere('e.occurred_at >= :from', { from: query.from });
    if (query.to) qb.andWhere('e.occurred_at < :to', { to: query.to });
    if (query.cursor) qb.andWhere('e.seq < :before', { before: Cursor.decode(query.cursor, isSeqCursor).seq });
    const rows = await qb
      .orderBy('e.seq', 'DESC')
      .limit(limit + 1)
      .getMany();
    return toPage(
      rows,
      limit,
      (row) => this.map(row),
      (row) => ({ seq: row.seq }),
    );
  }

  private map(event: AuditEvent): AuditEventDto {
    return {
      seq: event.seq,
      occurredAt: event.occurredAt.toISOString(),
      actor: { type: event.actorType, id: event.actorId, name: event.actorName },
      action: event.action,
      tenantId: event.tenantId,
      target: event.targetType && event.targetId ? { type: event.targetType, id: event.targetId } : null,
      outcome: event.outcome,
      requestId: event.requestId,
      callerIp: event.callerIp,
      details: event.details,
      prevHash: event.prevHash,
      hash: event.hash,
    };
  }
}
