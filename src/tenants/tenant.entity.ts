import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export const ENVIRONMENTS = ['sandbox', 'production'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

export const TENANT_STATUSES = ['active', 'suspended'] as const;
export type TenantStatus = (typeof TENANT_STATUSES)[number];

/** A taxpayer the provider serves. Deleting one is soft: the row stays for the audit trail. */
@Entity({ name: 'tenants' })
@Index('uq_tenants_environment_tin_live', ['environment', 'tin'], { unique: true, where: '"deleted_at" IS NULL' })
@Index('ix_tenants_created_at_id', ['createdAt', 'id'])
@Check('ck_tenants_environment', `"environment" IN ('sandbox', 'production')`)
@Check('ck_tenants_status', `"status" IN ('active', 'suspended')`)
@Check('ck_tenants_brn', `"brn" IS NULL OR "brn" ~ '^[0-9]{12}$'`)
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

  /** Millisecond precision so keyset cursors round-trip through JavaScript dates exactly. */
  @CreateDateColumn({ type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz', precision: 3 })
  updatedAt!: Date;

  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  deletedAt!: Date | null;
}
