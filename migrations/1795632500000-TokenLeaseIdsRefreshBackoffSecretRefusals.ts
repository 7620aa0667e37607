import { MigrationInterface, QueryRunner } from 'typeorm';

export class TokenLeaseIdsRefreshBackoffSecretRefusals1795632500000 implements MigrationInterface {
  name = 'TokenLeaseIdsRefreshBackoffSecretRefusals1795632500000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // A lease belongs to one acquisition, not to the whole process: two acquisitions in one replica exclude each other too.
    await queryRunner.query(`ALTER TABLE "tokens" ADD "lease_id" uuid`);
    // The refresher's own back-off; `next_attempt_at` stays the short one that requests honour.
    await queryRunner.query(`ALTER TABLE "tokens" ADD "refresh_next_attempt_at" TIMESTAMP(3) WITH TIME ZONE`);
    // A secret MyInvois refused, remembered at once (before the other secret is tried) and only for that version of the secrets.
    await queryRunner.query(`
      CREATE TABLE "secret_refusals" (
        "credential_id" uuid NOT NULL,
        "secrets_version" integer NOT NULL,
        "secret" smallint NOT NULL,
        "error_code" character varying(64) NOT NULL,
        "error_description" character varying(500) NOT NULL,
        "refused_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "pk_secret_refusals" PRIMARY KEY ("credential_id", "secrets_version", "secret"),
        CONSTRAINT "fk_secret_refusals_credential" FOREIGN KEY ("credential_id") REFERENCES "credentials"("id") ON DELETE CASCADE
      )`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "secret_refusals"`);
    await queryRunner.query(`ALTER TABLE "tokens" DROP COLUMN "refresh_next_attempt_at"`);
    await queryRunner.query(`ALTER TABLE "tokens" DROP COLUMN "lease_id"`);
  }
}
