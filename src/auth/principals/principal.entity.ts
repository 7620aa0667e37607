import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { Role } from '../../common/caller';

/** A caller of the broker: an operator's tooling (`admin`) or an internal service (`service`). */
@Entity({ name: 'principals' })
@Index('uq_principals_client_id', ['clientId'], { unique: true })
@Index('uq_principals_external_subject', ['externalSubject'], { unique: true, where: '"external_subject" IS NOT NULL' })
@Index('ix_principals_created_at_id', ['createdAt', 'id'])
@Check('ck_principals_role', `"role" IN ('admin', 'service')`)
export class Principal {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Column({ type: 'varchar', length: 16 })
  role!: Role;

  @Column({ type: 'varchar', length: 128 })
  clientId!: string;

  /** scrypt hash (see client-secret.ts); the secret itself is never stored. */
  @Column({ type: 'varchar', length: 255 })
  secretHash!: string;

  /** Bumped on rotation; tokens carry it, so rotating also ends the tokens of the old secret. */
  @Column({ type: 'integer', default: 1 })
  secretVersion!: number;

  /** True: every tenant. Otherwise only `tenantIds`. */
  @Column({ type: 'boolean', default: false })
  allTenants!: boolean;

  @Column({ type: 'uuid', array: true, default: () => "'{}'" })
  tenantIds!: string[];

  /** Value of the external identity provider's mapping claim that means this principal. */
  @Column({ type: 'varchar', length: 255, nullable: true })
  externalSubject!: string | null;

  @Column({ type: 'boolean', default: true })
  enabled!: boolean;

  @CreateDateColumn({ type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz', precision: 3 })
  updatedAt!: Date;

  /** Soft delete: refused at once, kept for the audit trail; its client ID is never reused. */
  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  deletedAt!: Date | null;
}
