import { Check, Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { Environment } from '../common/environment';

export const CREDENTIAL_KINDS = ['taxpayer', 'intermediary'] as const;
export type CredentialKind = (typeof CREDENTIAL_KINDS)[number];

export const CREDENTIAL_STATUSES = ['unverified', 'valid', 'invalid'] as const;
export type CredentialStatus = (typeof CREDENTIAL_STATUSES)[number];

/**
 * A MyInvois client ID and its two secrets. The secrets are stored only sealed under the
 * credential's own data key, which is stored only wrapped by a master key of the key ring.
 */
@Entity({ name: 'credentials' })
@Index('uq_credentials_environment_client_id', ['environment', 'clientId'], { unique: true })
@Index('ix_credentials_created_at_id', ['createdAt', 'id'])
@Index('ix_credentials_key_version', ['keyVersion'])
@Check('ck_credentials_kind', `"kind" IN ('taxpayer', 'intermediary')`)
@Check('ck_credentials_environment', `"environment" IN ('sandbox', 'production')`)
@Check('ck_credentials_status', `"status" IN ('unverified', 'valid', 'invalid')`)
@Check('ck_credentials_login_rate', `"login_rate_per_minute" BETWEEN 1 AND 1000`)
export class Credential {
  /** Chosen by the vault before encrypting, because it is part of every ciphertext's AAD. */
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ type: 'varchar', length: 16 })
  kind!: CredentialKind;

  @Column({ type: 'varchar', length: 16 })
  environment!: Environment;

  @Column({ type: 'varchar', length: 128 })
  clientId!: string;

  @Column({ type: 'varchar', length: 200, nullable: true })
  label!: string | null;

  @Column({ type: 'bytea' })
  primarySecret!: Buffer;

  @Column({ type: 'bytea', nullable: true })
  secondarySecret!: Buffer | null;

  /** The data key, wrapped by master key `keyVersion`. */
  @Column({ type: 'bytea' })
  dataKeyWrapped!: Buffer;

  @Column({ type: 'varchar', length: 32 })
  keyVersion!: string;

  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  secretExpiresAt!: Date | null;

  @Column({ type: 'integer', default: 12 })
  loginRatePerMinute!: number;

  @Column({ type: 'varchar', length: 16, default: 'unverified' })
  status!: CredentialStatus;

  /** The last error MyInvois answered for this credential, of any classification; kept after a success, cleared with new secrets. */
  @Column({ type: 'varchar', length: 64, nullable: true })
  lastErrorCode!: string | null;

  @Column({ type: 'varchar', length: 500, nullable: true })
  lastErrorDescription!: string | null;

  @Column({ type: 'varchar', length: 32, nullable: true })
  lastErrorClassification!: string | null;

  /** The HTTP status of that answer; null for a timeout or a connection failure. */
  @Column({ type: 'smallint', nullable: true })
  lastErrorStatus!: number | null;

  /** MyInvois's `correlationId` response header of that answer, which LHDN support asks for. */
  @Column({ type: 'varchar', length: 128, nullable: true })
  lastErrorCorrelationId!: string | null;

  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  lastErrorAt!: Date | null;

  /**
   * Since when MyInvois has been failing this client ID (outages, maintenance pages, refused
   * requests) without a token since: the degraded episode. Null while it is not. The status
   * (`valid`, `invalid`, `unverified`) never changes for it.
   */
  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  degradedSince!: Date | null;

  /** Since when MyInvois has refused the credential: kept across new secrets, ended by the next token (`credential.recovered`). */
  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  refusedSince!: Date | null;

  /** Which secret last logged in successfully (1 or 2); tried first next time. */
  @Column({ type: 'smallint', default: 1 })
  preferredSecret!: number;

  /** Bumped whenever a secret changes, so a login started with old secrets cannot mark new ones invalid. */
  @Column({ type: 'integer', default: 1 })
  secretsVersion!: number;

  /** The day `credential.secret_expiring` was last announced (once per day across replicas). */
  @Column({ type: 'date', nullable: true })
  expiryWarnedOn!: string | null;

  @CreateDateColumn({ type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz', precision: 3 })
  updatedAt!: Date;
}
