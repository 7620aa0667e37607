import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A signed head of the audit chain; a copy is sent outside the database (`audit.checkpoint`). */
@Entity({ name: 'audit_checkpoints' })
export class AuditCheckpoint {
  /** bigint: kept as a string in JavaScript. */
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ type: 'bigint' })
  headSeq!: string;

  @Column({ type: 'char', length: 64 })
  headHash!: string;

  @Column({ type: 'bigint' })
  anchorSeq!: string;

  @Column({ type: 'timestamptz', precision: 3 })
  signedAt!: Date;

  @Column({ type: 'varchar', length: 64 })
  kid!: string;

  /** Compact JWS (ES256) of { seq, hash, anchorSeq, signedAt, iss }. */
  @Column({ type: 'text' })
  jws!: string;
}
