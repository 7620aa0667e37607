import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** A receiver of webhooks. Its signing secrets are sealed by the vault, bound to the endpoint's id. */
@Entity({ name: 'webhook_endpoints' })
@Index('ix_webhook_endpoints_key_version', ['keyVersion'])
export class WebhookEndpoint {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ type: 'varchar', length: 2048 })
  url!: string;

  @Column({ type: 'varchar', length: 500, nullable: true })
  description!: string | null;

  /** Null: every event type. */
  @Column({ type: 'varchar', length: 64, array: true, nullable: true })
  eventTypes!: string[] | null;

  @Column({ type: 'boolean', default: true })
  enabled!: boolean;

  /** Why the broker disabled it (a 410 from the receiver); null when enabled or disabled by an operator. */
  @Column({ type: 'varchar', length: 200, nullable: true })
  disabledReason!: string | null;

  @Column({ type: 'bytea' })
  secret!: Buffer;

  /** The secret before the last rotation, signing beside the new one until previousSecretUntil. */
  @Column({ type: 'bytea', nullable: true })
  previousSecret!: Buffer | null;

  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  previousSecretUntil!: Date | null;

  @Column({ type: 'bytea' })
  dataKeyWrapped!: Buffer;

  @Column({ type: 'varchar', length: 32 })
  keyVersion!: string;

  @CreateDateColumn({ type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz', precision: 3 })
  updatedAt!: Date;
}
