import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/** A token-signing key of the broker, its private half sealed by the vault. */
@Entity({ name: 'signing_keys' })
@Index('ix_signing_keys_key_version', ['keyVersion'])
export class SigningKeyRecord {
  /** The JWK thumbprint of the public key, used as `kid`. */
  @PrimaryColumn({ type: 'varchar', length: 64 })
  kid!: string;

  @Column({ type: 'bytea' })
  privateKey!: Buffer;

  @Column({ type: 'bytea' })
  dataKeyWrapped!: Buffer;

  @Column({ type: 'varchar', length: 32 })
  keyVersion!: string;

  @CreateDateColumn({ type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  /** Set on rotation to when tokens it signed have all expired; after that it leaves the JWKS. */
  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  retiredAt!: Date | null;
}
