import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { Credential } from '../vault/credential.entity';

/**
 * A token key's row, shared by every replica: the current MyInvois token (sealed under its
 * credential's data key), its lifetime, the lease of whoever is logging in for it, failures.
 */
@Entity({ name: 'tokens' })
@Index('ix_tokens_tenant_id', ['tenantId'])
@Index('ix_tokens_refresh_due_at', ['refreshDueAt'])
@Index('ix_tokens_last_used_at', ['lastUsedAt'])
export class TokenRow {
  @PrimaryColumn({ type: 'uuid' })
  credentialId!: string;

  /** Declared for the foreign key only: a credential's tokens go with it. Never loaded. */
  @ManyToOne(() => Credential, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'credential_id', foreignKeyConstraintName: 'fk_tokens_credential' })
  credential?: Credential;

  @PrimaryColumn({ type: 'varchar', length: 40, default: '' })
  onBehalfOf!: string;

  @PrimaryColumn({ type: 'varchar', length: 64, default: '' })
  scope!: string;

  @Column({ type: 'uuid', nullable: true })
  tenantId!: string | null;

  @Column({ type: 'bytea', nullable: true })
  accessToken!: Buffer | null;

  @Column({ type: 'char', length: 32, nullable: true })
  fingerprint!: string | null;

  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  expiresAt!: Date | null;

  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  acquiredAt!: Date | null;

  /** What a login gives: from receipt to the effective expiry (the sooner of `expires_in` and `exp`). */
  @Column({ type: 'integer', nullable: true })
  lifetimeSeconds!: number | null;

  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  lastUsedAt!: Date | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  leaseOwner!: string | null;

  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  leaseUntil!: Date | null;

  /** The one acquisition holding the lease (a replica may run several). */
  @Column({ type: 'uuid', nullable: true })
  leaseId!: string | null;

  /** The login attempt on record whose outcome is not yet: set before the request goes out, cleared with its outcome event. */
  @Column({ type: 'uuid', nullable: true })
  loginAttemptId!: string | null;

  @Column({ type: 'integer', default: 0 })
  failures!: number;

  /** After a failure of this key (a request error, a taxpayer not authorising the intermediary): no request logs in before this. */
  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  nextAttemptAt!: Date | null;

  /** After a failure: the refresher's exponential back-off, kept apart so that requests never wait on it. */
  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  refreshNextAttemptAt!: Date | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  lastErrorCode!: string | null;

  /** How the last failure was classified (`transient`, `request_error`, `not_authorised`, ...). */
  @Column({ type: 'varchar', length: 32, nullable: true })
  lastErrorClassification!: string | null;

  @Column({ type: 'varchar', length: 500, nullable: true })
  lastErrorDescription!: string | null;

  /** MyInvois's `correlationId` of the last failure, for a ticket to LHDN. */
  @Column({ type: 'varchar', length: 128, nullable: true })
  lastErrorCorrelationId!: string | null;

  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  lastErrorAt!: Date | null;

  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  refreshDueAt!: Date | null;

  /** The largest `minTtlSeconds` the key's callers asked for while in use: a refresh comes due before they would refuse the token. */
  @Column({ type: 'integer', default: 0 })
  callersMinTtlSeconds!: number;

  @CreateDateColumn({ type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz', precision: 3 })
  updatedAt!: Date;
}
