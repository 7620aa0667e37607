import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { Environment } from '../common/environment';
import { Credential } from '../vault/credential.entity';

export const ON_BEHALF_OF_FORMATS = ['tin', 'tin_brn'] as const;
export type OnBehalfOfFormat = (typeof ON_BEHALF_OF_FORMATS)[number];

export const TENANT_STATUSES = ['active', 'suspended'] as const;
export type TenantStatus = (typeof TENANT_STATUSES)[number];

/** A taxpayer the provider serves. Deleting one is soft: the row stays for the audit trail. */
@Entity({ name: 'tenants' })
@Index('uq_tenants_environment_tin_live', ['environment', 'tin'], { unique: true, where: '"deleted_at" IS NULL' })
@Index('ix_tenants_created_at_id', ['createdAt', 'id'])
@Check('ck_tenants_environment', `"environment" IN ('sandbox', 'production')`)
@Check('ck_tenants_status', `"status" IN ('active', 'suspended')`)
@Check('ck_tenants_brn', `"brn" IS NULL OR "brn" ~ '^[0-9]{12}$'`)
@Check('ck_tenants_on_behalf_of_format', `"on_behalf_of_format" IN ('tin', 'tin_brn')`)
@Index('ix_tenants_credential_id', ['credentialId'])
export class Tenant {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  /** Normalised (see tin.ts); unique per environment among tenants not deleted. */
  @Column({ type: 'varchar', length: 20 })
  tin!: string;

  @Column({ type: 'varchar', length: 12, nullable: true })
  brn!: string | null;

  @Column({ type: 'varchar', length: 16 })
  environment!: Environment;

  @Column({ type: 'varchar', length: 16, default: 'active' })
  status!: TenantStatus;

  /** The MyInvois credential this tenant logs in with; null until one is attached. */
  @Column({ type: 'uuid', nullable: true })
  credentialId!: string | null;

  /** Declared for the foreign key only (RESTRICT: a credential in use cannot be deleted); never loaded. */
  @ManyToOne(() => Credential, { onDelete: 'RESTRICT', nullable: true })
  @JoinColumn({ name: 'credential_id', foreignKeyConstraintName: 'fk_tenants_credential' })
  credential?: Credential;

  /** For intermediary credentials: send `onbehalfof` as the TIN, or as `TIN:BRN`. */
  @Column({ type: 'varchar', length: 8, default: 'tin' })
  onBehalfOfFormat!: OnBehalfOfFormat;

  /** Derived from TIN, BRN and format when the credential is an intermediary's; else null. */
  @Column({ type: 'varchar', length: 40, nullable: true })
  onBehalfOf!: string | null;

  /** Millisecond precision so keyset cursors round-trip through JavaScript dates exactly. */
  @CreateDateColumn({ type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz', precision: 3 })
  updatedAt!: Date;

  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  deletedAt!: Date | null;
}
