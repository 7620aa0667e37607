import { MigrationInterface, QueryRunner } from 'typeorm';

export class ReplicaHeartbeatsAndLoginAttempts1795710000000 implements MigrationInterface {
  name = 'ReplicaHeartbeatsAndLoginAttempts1795710000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // One row per live broker process, named as its leases name their owner: a lease whose owner has not
    // been seen for REPLICA_DEAD_AFTER_SECONDS is free, however long its lease_until runs.
    await queryRunner.query(`
      CREATE TABLE "replica_heartbeats" (
        "owner" character varying(64) NOT NULL,
        "started_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(),
        "seen_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL,
        CONSTRAINT "pk_replica_heartbeats" PRIMARY KEY ("owner")
      )`);
    // The login attempt on record whose outcome is not yet: whoever takes the key over closes it as abandoned.
    await queryRunner.query(`ALTER TABLE "tokens" ADD "login_attempt_id" uuid`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "tokens" DROP COLUMN "login_attempt_id"`);
    await queryRunner.query(`DROP TABLE "replica_heartbeats"`);
  }
}
