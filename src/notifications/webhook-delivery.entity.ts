import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** One event (`webhook_events`, the outbox) on its way to one endpoint; `seq` orders an endpoint's deliveries. */
@Entity({ name: 'webhook_deliveries' })
@Index('ix_webhook_deliveries_endpoint_seq', ['endpointId', 'seq'])
export class WebhookDelivery {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  /** bigint: kept as a string in JavaScript. */
  @Column({ type: 'bigint', generated: 'increment' })
  seq!: string;

  @Column({ type: 'uuid' })
  endpointId!: string;

  @Column({ type: 'uuid' })
  eventId!: string;

  @Column({ type: 'varchar', length: 16, default: 'pending' })
  status!: DeliveryStatus;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ type: 'timestamptz', precision: 3 })
  nextAttemptAt!: Date;

  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  lastAttemptAt!: Date | null;

  @Column({ type: 'smallint', nullable: true })
  lastStatus!: number | null;

  /** The first kilobyte of the receiver's last answer. */
  @Column({ type: 'varchar', length: 1024, nullable: true })
  lastResponse!: string | null;

  @Column({ type: 'varchar', length: 500, nullable: true })
  lastError!: string | null;

  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  deliveredAt!: Date | null;

  @Column({ type: 'timestamptz', precision: 3 })
  createdAt!: Date;
}
