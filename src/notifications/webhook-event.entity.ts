import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The outbox: an event to send, written in the transaction of the audit event that caused it. */
@Entity({ name: 'webhook_events' })
export class WebhookEvent {
  /** Sent as `webhook-id` on every attempt to every endpoint, so receivers can drop repeats. */
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ type: 'varchar', length: 64 })
  type!: string;

  @Column({ type: 'timestamptz', precision: 3 })
  occurredAt!: Date;

  @Column({ type: 'bigint', nullable: true })
  auditSeq!: string | null;

  /** The body sent, exactly. */
  @Column({ type: 'jsonb' })
  payload!: Record<string, unknown>;
}
