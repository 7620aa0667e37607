import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import type { AuditEventInput } from './audit-event.input';
import { auditText } from './audit-text';
import { ChainedFields, eventHash, sanitiseDetails } from './canonical';

export interface AppendedEvent {
  seq: string;
  hash: string;
  occurredAt: string;
}

/** The chain's single row, locked by the caller's transaction, and the database's time after locking it. */
export interface ChainHead {
  headSeq: string;
  headHash: string;
  anchorSeq: string;
  now: Date;
}

/**
 * Appends events to the chain inside the caller's transaction. The single `audit_chain` row is
 * locked first, so appenders in every replica take sequence numbers one transaction at a time:
 * the chain is total and ordered however many writers there are. The lock is held until the
 * caller commits, so callers append last, just before they commit.
 */
@Injectable()
export class AuditChain {
  constructor(private readonly config: AppConfig) {}

  async append(manager: EntityManager, inputs: AuditEventInput[]): Promise<AppendedEvent[]> {
    if (inputs.length === 0) return [];
    const head = await this.lockHead(manager);
    let seq = BigInt(head.headSeq);
    let prevHash = head.headHash;
    const occurredAt = head.now.toISOString();
    const rows = inputs.map((input) => {
      seq += 1n;
      const fields = toFields(seq.toString(), occurredAt, input);
      const hash = eventHash(prevHash, fields);
      const row = { ...fields, prevHash, hash };
      prevHash = hash;
      return row;
    });
    // One statement for the whole batch: column arrays unnested into rows.
    await manager.query(
      `INSERT INTO audit_events (seq, occurred_at, actor_type, actor_id, actor_name, action, tenant_id, target_type, target_id,
                                 outcome, request_id, caller_ip, details, prev_hash, hash)
       SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::varchar[], $4::uuid[], $5::varchar[], $6::varchar[], $7::uuid[],
                            $8::varchar[], $9::varchar[], $10::varchar[], $11::varchar[], $12::varchar[], $13::jsonb[], $14::char(64)[], $15::char(64)[])`,
      [
        rows.map((r) => r.seq),
        rows.map((r) => r.occurredAt),
        rows.map((r) => r.actorType),
        rows.map((r) => r.actorId),
        rows.map((r) => r.actorName),
        rows.map((r) => r.action),
        rows.map((r) => r.tenantId),
        rows.map((r) => r.targetType),
        rows.map((r) => r.targetId),
        rows.map((r) => r.outcome),
        rows.map((r) => r.requestId),
        rows.map((r) => r.callerIp),
        rows.map((r) => JSON.stringify(r.details)),
        rows.map((r) => r.prevHash),
        rows.map((r) => r.hash),
      ],
    );
    await manager.query('UPDATE audit_chain SET head_seq = $1, head_hash = $2 WHERE id = 1', [seq.toString(), prevHash]);
    return rows.map((row) => ({ seq: row.seq, hash: row.hash, occurredAt: row.occurredAt }));
  }

  /**
   * Locks the chain until the caller's transaction ends. A stalled chain or statement fails the
   * write (and so the request) after AUDIT_WRITE_TIMEOUT_MS instead of hanging it. The time is the
   * database's, read once the lock is held, so seq order and time order agree across replicas
   * whatever their clocks say; in milliseconds, as occurred_at stores it, so that the hash covers
   * exactly the stored value.
   */
  async lockHead(manager: EntityManager): Promise<ChainHead> {
    const timeout = `${Math.floor(this.config.audit.writeTimeoutMs)}ms`;
    await manager.query(`SELECT set_config('lock_timeout', $1, true), set_config('statement_timeout', $1, true)`, [timeout]);
    const [head] = (await manager.query(
      `WITH head AS MATERIALIZED (SELECT head_seq, head_hash, anchor_seq FROM audit_chain WHERE id = 1 FOR UPDATE)
       SELECT head_seq, head_hash, anchor_seq, date_trunc('milliseconds', clock_timestamp()) AS now FROM head`,
    )) as Array<{ head_seq: string; head_hash: string; anchor_seq: string; now: Date }>;
    if (!head) throw new Error('audit_chain has no head row; the audit migration has not run');
    return { headSeq: head.head_seq, headHash: head.head_hash, anchorSeq: head.anchor_seq, now: head.now };
  }
}

/** The stored form of an event: every string storable and within its column (see auditText). */
function toFields(seq: string, occurredAt: string, input: AuditEventInput): ChainedFields {
  const actor = input.actor;
  const optional = (value: string | undefined | null, max: number) => (value == null ? null : auditText(value, max));
  return {
    seq,
    occurredAt,
    actorType: actor.type,
    actorId: actor.type === 'principal' ? actor.id : null,
    actorName: actor.type === 'principal' || actor.type === 'system' ? auditText(actor.name, 200) : 'anonymous',
    action: auditText(input.action, 64),
    tenantId: input.tenantId ?? null,
    targetType: optional(input.target?.type, 32),
    targetId: optional(input.target?.id, 128),
    outcome: input.outcome ?? 'success',
    requestId: actor.type === 'system' ? null : optional(actor.requestId, 128),
    callerIp: actor.type === 'system' ? null : optional(actor.callerIp, 64),
    details: sanitiseDetails(input.details ?? {}),
  };
}
