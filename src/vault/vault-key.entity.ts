import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * A master key version the vault has seen, with a keyed check value (never the key), so that
 * start-up can tell when a version's key content changed under the same name.
 */
@Entity({ name: 'vault_keys' })
export class VaultKey {
  @PrimaryColumn({ type: 'varchar', length: 32 })
  version!: string;

  @Column({ type: 'char', length: 64 })
  checkValue!: string;

  @CreateDateColumn({ type: 'timestamptz', precision: 3 })
  firstSeenAt!: Date;
}
