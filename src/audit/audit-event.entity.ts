import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export const ACTOR_TYPES = ['principal', 'system', 'anonymous'] as const;
export type ActorType = (typeof ACTOR_TYPES)[number];

export const OUTCOMES = ['success', 'failure', 'denied'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/**
 * One entry of the append-only, hash-chained audit log. Rows are written only by AuditChain
 * (under the chain head's lock) and never changed: the database refuses UPDATE and DELETE.
 */
@Entity({ name: 'audit_events' })
@Index('ix_audit_events_tenant_id_seq', ['tenantId', 'seq'])
@Index('ix_audit_events_action_seq', ['action', 'seq'])
@Index('ix_audit_events_actor_id_seq', ['actorId', 'seq'])
@Index('ix_audit_events_occurred_at', ['occurredAt'])
export class AuditEvent {
  /** bigint: kept as a string in JavaScript. */
  @PrimaryColumn({ type: 'bigint' })
  seq!: string;

  @Column({ type: 'timestamptz', precision: 3 })
  occurredAt!: Date;

  @Column({ type: 'varchar', length: 16 })
  actorType!: ActorType;

  @Column({ type: 'uuid', nullable: true })
  actorId!: string | null;

  @Column({ type: 'varchar', length: 200 })
  actorName!: string;

  @Column({ type: 'varchar', length: 64 })
  action!: string;

  @Column({ type: 'uuid', nullable: true })
  tenantId!: string | null;

  @Column({ type: 'varchar', length: 32, nullable: true })
  targetType!: string | null;

  @Column({ type: 'varchar', length: 128, nullable: true })
  targetId!: string | null;

  @Column({ type: 'varchar', length: 16 })
  outcome!: Outcome;

  @Column({ type: 'varchar', length: 128, nullable: true })
  requestId!: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  callerIp!: string | null;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  details!: Record<string, unknown>;

  @Column({ type: 'char', length: 64 })
  prevHash!: string;

  @Column({ type: 'char', length: 64 })
  hash!: string;
}
