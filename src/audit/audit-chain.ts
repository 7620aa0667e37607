import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import type { AuditEventInput } from './audit-event.input';
import { ChainedFields, eventHash, sanitiseDetails } from './canonical';

export interface AppendedEvent {
  seq: string;
  hash: string;
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
    // A stalled chain must fail the write (and so the request), not hang it.
    await manager.query(`SET LOCAL lock_timeout = ${Math.floor(this.config.audit.writeTimeoutMs)}`);
    const [head] = (await manager.query('SELECT head_seq, head_hash FROM audit_chain WHERE id = 1 FOR UPDATE')) as Array<{
      head_seq: string;
      head_hash: string;
    }>;
    if (!head) throw new Error('audit_chain has no head row; the audit migration has not run');
    let seq = BigInt(head.head_seq);
    let prevHash = head.head_hash;
    const occurredAt = new Date().toISOString();
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
    return rows.map((row) => ({ seq: row.seq, hash: row.hash }));
  }
}

function toFields(seq: string, occurredAt: string, input: AuditEventInput): ChainedFields {
  const actor = input.actor;
  return {
    seq,
    occurredAt,
    actorType: actor.type,
    actorId: actor.type === 'principal' ? actor.id : null,
    actorName: actor.type === 'principal' || actor.type === 'system' ? actor.name.slice(0, 200) : 'anonymous',
    action: input.action,
    tenantId: input.tenantId ?? null,
    targetType: input.target?.type ?? null,
    targetId: input.target?.id.slice(0, 128) ?? null,
    outcome: input.outcome ?? 'success',
    requestId: actor.type === 'system' ? null : (actor.requestId ?? null),
    callerIp: actor.type === 'system' ? null : (actor.callerIp?.slice(0, 64) ?? null),
    details: sanitiseDetails(input.details ?? {}),
  };
}
